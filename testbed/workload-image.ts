/**
 * Builds Ferry's test workload image `ferry/dirtier` (see `workloads/dirtier.c`) and loads it into local
 * Docker Engines. No registry is reachable, so the image is made with `docker import` from a root
 * filesystem tar (busybox-static + the static dirtier) and copied to the other engines with
 * `docker save` / `docker load`, which keeps the image ID identical everywhere.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { CommandFailed, InvalidInput, PrerequisiteMissing, TimedOut } from '../provider/errors';

/** Repository of the workload image. */
export const IMAGE_REPO = 'ferry/dirtier';
/** The compiler invocation, minus output and input; part of the build hash. */
export const GCC_FLAGS: readonly string[] = ['-static', '-O2', '-Wall', '-Wextra'];
/** Where the dirtier lives inside the image. */
export const DIRTIER_IN_IMAGE = '/bin/dirtier';

/** Options of {@link buildDirtier} and {@link buildWorkloadImage}. All optional. */
export interface WorkloadImageOptions {
  /** Where compiled binaries and temporary files go (default `<repo>/.ferry/cache/workload`). */
  readonly cacheDir?: string;
  /** The dirtier's C source (default `<repo>/workloads/dirtier.c`). */
  readonly sourcePath?: string;
  /** A static busybox binary (default: the first of `/bin/busybox`, `/usr/bin/busybox`). */
  readonly busyboxPath?: string;
  /** Docker CLI binary (default `docker` on PATH). */
  readonly dockerBin?: string;
  /** Receives one progress line at a time. */
  readonly log?: (line: string) => void;
}

/** The image built by {@link buildWorkloadImage}. */
export interface WorkloadImage {
  /** `ferry/dirtier:<short source hash>`; also tagged `ferry/dirtier:latest`. */
  readonly name: string;
  /** The image ID (`sha256:...`), identical on all engines. */
  readonly id: string;
}

/** A compiled dirtier binary. */
export interface DirtierBinary {
  /** Absolute path of the static executable. */
  readonly path: string;
  /** Full build hash (hex sha256 over compiler flags and source). */
  readonly hash: string;
}

/** Hex sha256 over the compiler flags and the source: changes whenever the binary would. */
export function buildHash(source: string | Buffer, flags: readonly string[] = GCC_FLAGS): string {
  return createHash('sha256').update(flags.join(' ')).update('\0').update(source).digest('hex');
}

/** Image name for a build hash: `ferry/dirtier:<first 12 hex digits>`. */
export function imageName(hash: string): string {
  return `${IMAGE_REPO}:${hash.slice(0, 12)}`;
}

/** True when the cached binary (its `stat`, or `undefined` if absent) must be (re)compiled. */
export function needsCompile(existing: { size: number; mode: number } | undefined): boolean {
  return existing === undefined || existing.size === 0 || (existing.mode & 0o100) === 0;
}

/** The gcc argument vector that compiles `source` into `output`. */
export function compileArgv(source: string, output: string): string[] {
  return ['gcc', ...GCC_FLAGS, '-o', output, source];
}

/** Docker CLI arguments addressing the engine at a unix socket path (a `unix://` prefix is accepted). */
export function dockerArgv(socket: string, args: readonly string[]): string[] {
  return ['-H', socket.startsWith('unix://') ? socket : `unix://${socket}`, ...args];
}

/** Arguments of `docker import` that turn the root filesystem tar into the image `name`. */
export function importArgs(tarPath: string, name: string, hash: string): string[] {
  return [
    'import',
    '--change', 'ENV PATH=/bin:/usr/bin:/usr/local/bin',
    '--change', `CMD ["${DIRTIER_IN_IMAGE}"]`,
    '--change', `LABEL ferry.workload-hash=${hash}`,
    tarPath,
    name,
  ]; // prettier-ignore
}

/** Arguments of `docker image inspect` printing only the image ID. */
export function inspectIdArgs(ref: string): string[] {
  return ['image', 'inspect', '--format', '{{.Id}}', ref];
}

/** What a failed `docker image inspect` means, from its stderr. */
export function classifyInspectError(stderr: string): 'absent' | 'unreachable' | 'error' {
  if (/no such (image|object)/i.test(stderr)) return 'absent';
  if (/cannot connect to the docker daemon|no such file or directory|connection refused/i.test(stderr)) {
    return 'unreachable';
  }
  return 'error';
}

/**
 * Which engine to copy the image from and which engines need it, given the image ID each engine has
 * for the tag (`undefined`: none). `source` is `undefined` when no engine has it: import into engine 0.
 */
export function planDistribution(ids: readonly (string | undefined)[]): { source?: number; load: number[] } {
  const found = ids[0] !== undefined ? 0 : ids.findIndex((id) => id !== undefined);
  const source = found >= 0 ? found : undefined;
  if (source === undefined) return { load: ids.flatMap((_, i) => (i === 0 ? [] : [i])) };
  return { source, load: ids.flatMap((id, i) => (id === ids[source] ? [] : [i])) };
}

/** Symlinks `[linkPath, target]` (relative to the rootfs) for the output of `busybox --list-full`. */
export function busyboxLinks(listFull: string): [string, string][] {
  return listFull
    .split('\n')
    .map((l) => l.trim().replace(/^\/+/, ''))
    .filter((l) => l !== '' && l !== 'bin/busybox' && !l.includes('..'))
    .map((l) => [l, path.posix.relative(path.posix.dirname(`/${l}`), '/bin/busybox')]);
}

/** True if `elf` starts a 64-bit little-endian ELF file without a program interpreter (statically linked). */
export function isStaticElf(elf: Buffer): boolean {
  if (elf.length < 64 || elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2 || elf[5] !== 1) return false;
  const phoff = Number(elf.readBigUInt64LE(0x20));
  const phentsize = elf.readUInt16LE(0x36);
  const phnum = elf.readUInt16LE(0x38);
  if (phoff + phentsize * phnum > elf.length) return false;
  for (let i = 0; i < phnum; i++) if (elf.readUInt32LE(phoff + i * phentsize) === 3) return false; // PT_INTERP
  return true;
}

/** The nearest ancestor of `start` holding `package.json` and `workloads/dirtier.c` (works from dist/ too). */
export function findRepoRoot(start: string = __dirname, exists: (p: string) => boolean = existsSync): string {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (exists(path.join(dir, 'package.json')) && exists(path.join(dir, 'workloads', 'dirtier.c')))
      return dir;
    if (path.dirname(dir) === dir) {
      throw new PrerequisiteMissing('workloads/dirtier.c', `no Ferry checkout found above ${start}`);
    }
  }
}

/**
 * Compiles `workloads/dirtier.c` with `gcc -static -O2` into the cache directory, unless a binary for
 * the same source and flags is already there.
 * @throws PrerequisiteMissing when gcc or the static C library is missing; CommandFailed if gcc fails.
 */
export async function buildDirtier(options: WorkloadImageOptions = {}): Promise<DirtierBinary> {
  const root = options.sourcePath && options.cacheDir ? '' : findRepoRoot();
  const sourcePath = options.sourcePath ?? path.join(root, 'workloads', 'dirtier.c');
  const cacheDir = path.resolve(options.cacheDir ?? path.join(root, '.ferry', 'cache', 'workload'));
  const hash = buildHash(await fs.readFile(sourcePath));
  const out = path.join(cacheDir, `dirtier-${hash.slice(0, 12)}`);
  if (!needsCompile(await fs.stat(out).catch(() => undefined))) return { path: out, hash };
  await fs.mkdir(cacheDir, { recursive: true });
  const tmp = `${out}.tmp-${process.pid}`;
  options.log?.(`workload: compiling ${sourcePath}`);
  try {
    await run(compileArgv(sourcePath, tmp), 120);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    if (e instanceof CommandFailed && /cannot find -lc\b/.test(e.stderr)) {
      throw new PrerequisiteMissing('libc6-dev', 'the static C library (libc.a) is missing', {
        hint: 'apt-get install libc6-dev',
        cause: e,
      });
    }
    throw e;
  }
  await fs.rename(tmp, out); // atomic: concurrent builders never see a half-written binary
  return { path: out, hash };
}

let serial: Promise<unknown> = Promise.resolve();

/**
 * Builds `ferry/dirtier:<short hash>` (also tagged `:latest`) and makes sure every engine has it with the
 * same image ID. Idempotent: engines that already have the image are left alone, and nothing is built when
 * one engine has it already. Calls within one process run one at a time.
 * @param sockets - unix socket paths of the Docker Engines; the image is imported into the first.
 * @returns the image name and its ID.
 * @throws InvalidInput for an empty socket list; PrerequisiteMissing when gcc, busybox-static, the docker
 *   CLI or an engine is missing; CommandFailed when a command fails; TimedOut when one hangs.
 */
export function buildWorkloadImage(
  sockets: readonly string[],
  options: WorkloadImageOptions = {},
): Promise<WorkloadImage> {
  const next = serial.then(() => buildAndLoad(sockets, options));
  serial = next.catch(() => undefined);
  return next;
}

async function buildAndLoad(
  sockets: readonly string[],
  options: WorkloadImageOptions,
): Promise<WorkloadImage> {
  if (sockets.length === 0) {
    throw new InvalidInput('sockets', sockets, 'at least one Docker Engine unix socket path');
  }
  const log = options.log ?? (() => undefined);
  const docker = (socket: string, args: readonly string[], limit = 300): Promise<string> =>
    run([options.dockerBin ?? 'docker', ...dockerArgv(socket, args)], limit);
  const inspect = async (socket: string, ref: string): Promise<string | undefined> => {
    try {
      return (await docker(socket, inspectIdArgs(ref), 60)).trim();
    } catch (e) {
      if (!(e instanceof CommandFailed)) throw e;
      const kind = classifyInspectError(e.stderr);
      if (kind === 'absent') return undefined;
      if (kind === 'unreachable') {
        throw new PrerequisiteMissing('docker engine', `no Docker Engine answers at ${socket}`, {
          hint: 'start dockerd with -H unix://<socket> (see docs of the test bed)',
          cause: e,
        });
      }
      throw e;
    }
  };

  const binary = await buildDirtier(options);
  const name = imageName(binary.hash);
  const cacheDir = path.dirname(binary.path);
  const ids = await Promise.all(sockets.map((s) => inspect(s, name)));
  const plan = planDistribution(ids);
  const work = await fs.mkdtemp(path.join(cacheDir, 'work-'));
  try {
    let sourceIndex = plan.source ?? 0;
    if (plan.source === undefined) {
      const tarPath = await assembleRootfs(binary.path, work, options.busyboxPath);
      log(`workload: importing ${name} into ${sockets[0]}`);
      await docker(sockets[0]!, importArgs(tarPath, name, binary.hash));
      ids[0] = await inspect(sockets[0]!, name);
      sourceIndex = 0;
    }
    const id = ids[sourceIndex];
    if (id === undefined) throw new PrerequisiteMissing(name, `image missing right after docker import`);
    if (plan.load.length > 0) {
      const saved = path.join(work, 'image.tar');
      await docker(sockets[sourceIndex]!, ['save', '-o', saved, name]);
      for (const i of plan.load) {
        log(`workload: loading ${name} into ${sockets[i]}`);
        await docker(sockets[i]!, ['load', '-i', saved]);
        const got = await inspect(sockets[i]!, name);
        if (got !== id) {
          throw new PrerequisiteMissing(name, `engine ${sockets[i]} has image ${got} after load, not ${id}`);
        }
      }
    }
    for (const s of sockets) await docker(s, ['tag', name, `${IMAGE_REPO}:latest`], 60);
    return { name, id };
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

/** Lays out the root filesystem in `work/rootfs` and tars it; returns the tar's path. */
async function assembleRootfs(dirtier: string, work: string, busyboxPath?: string): Promise<string> {
  const busybox = busyboxPath ?? ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p));
  const head = busybox ? await readHead(busybox) : undefined;
  if (!busybox || !head || !isStaticElf(head)) {
    throw new PrerequisiteMissing(
      'busybox-static',
      `no statically linked busybox at ${busybox ?? '/bin/busybox'}`,
      {
        hint: 'apt-get install busybox-static',
      },
    );
  }
  const root = path.join(work, 'rootfs');
  for (const dir of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'usr/local/bin', 'etc', 'data', 'tmp']) {
    await fs.mkdir(path.join(root, dir), { recursive: true });
  }
  await fs.chmod(path.join(root, 'tmp'), 0o1777);
  await fs.copyFile(busybox, path.join(root, 'bin', 'busybox'));
  await fs.chmod(path.join(root, 'bin', 'busybox'), 0o755);
  for (const [link, target] of busyboxLinks(await run([busybox, '--list-full'], 30))) {
    await fs.mkdir(path.dirname(path.join(root, link)), { recursive: true });
    await fs.symlink(target, path.join(root, link));
  }
  await fs.copyFile(dirtier, path.join(root, DIRTIER_IN_IMAGE));
  await fs.chmod(path.join(root, DIRTIER_IN_IMAGE), 0o755);
  await fs.writeFile(path.join(root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  await fs.writeFile(path.join(root, 'etc', 'group'), 'root:x:0:\n');
  const tarPath = path.join(work, 'rootfs.tar');
  await run(['tar', '--numeric-owner', '--owner=0', '--group=0', '-C', root, '-cf', tarPath, '.'], 120);
  return tarPath;
}

async function readHead(file: string): Promise<Buffer> {
  const fh = await fs.open(file, 'r');
  try {
    const buf = Buffer.alloc(65536);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Runs argv locally (no shell); resolves with stdout. `limitSeconds` bounds how long it may take. */
function run(argv: readonly string[], limitSeconds: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-8192)));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new TimedOut(argv.join(' '), limitSeconds));
    }, limitSeconds * 1000);
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        e.code === 'ENOENT'
          ? new PrerequisiteMissing(argv[0]!, 'not found on PATH', { hint: HINTS[argv[0]!], cause: e })
          : e,
      );
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new CommandFailed(argv, code, stderr, 'localhost'));
    });
  });
}

const HINTS: Record<string, string> = {
  gcc: 'apt-get install gcc libc6-dev',
  docker: 'install the docker CLI (docker.io) or pass dockerBin',
  tar: 'apt-get install tar',
};
