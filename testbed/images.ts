/**
 * Making test images without a registry (thin I/O): a root filesystem laid out from a static busybox and
 * whatever else an image needs, `docker import`ed into one engine and copied to the others with
 * `docker save` / `docker load`, which keeps the image ID identical everywhere. Used by the dirtier image
 * (`workload-image.ts`) and the Redis image (`redis-image.ts`).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { existsSync } from 'node:fs';
import { CommandFailed, PrerequisiteMissing, TimedOut } from '../provider/errors';

/** An image made and spread by {@link distributeImage}. */
export interface BuiltImage {
  /** Its content-addressed name, also tagged with the recipe's `latest`. */
  readonly name: string;
  /** The image ID (`sha256:...`), identical on all engines. */
  readonly id: string;
}

/** Docker CLI arguments addressing the engine at a unix socket path (a `unix://` prefix is accepted). */
export function dockerArgv(socket: string, args: readonly string[]): string[] {
  return ['-H', socket.startsWith('unix://') ? socket : `unix://${socket}`, ...args];
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

/** What {@link distributeImage} needs to make one image and spread it. */
export interface ImageRecipe {
  /** The image's content-addressed name, e.g. `ferry/dirtier:0123456789ab`. */
  readonly name: string;
  /** The moving tag also put on it everywhere, e.g. `ferry/dirtier:latest`. */
  readonly latest: string;
  /** Where the temporary work directory is made. */
  readonly workParent: string;
  /** Lays out and tars the root filesystem in `work`; resolves the tar's path. */
  readonly assemble: (work: string) => Promise<string>;
  /** The `docker import` arguments for that tar. */
  readonly importArgs: (tarPath: string, name: string) => string[];
  /** Docker CLI binary (default `docker`). */
  readonly dockerBin?: string;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

/**
 * Makes sure every engine has image `r.name` with the same image ID: imported from `r.assemble`'s tar into
 * the first engine when none has it, then `docker save` / `docker load` into the others; tagged `r.latest`.
 */
export async function distributeImage(sockets: readonly string[], r: ImageRecipe): Promise<BuiltImage> {
  const log = r.log ?? (() => undefined);
  const docker = (socket: string, args: readonly string[], limit = 300): Promise<string> =>
    run([r.dockerBin ?? 'docker', ...dockerArgv(socket, args)], limit);
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
  const name = r.name;
  const ids = await Promise.all(sockets.map((s) => inspect(s, name)));
  const plan = planDistribution(ids);
  await fs.mkdir(r.workParent, { recursive: true });
  const work = await fs.mkdtemp(path.join(r.workParent, 'work-'));
  try {
    let sourceIndex = plan.source ?? 0;
    if (plan.source === undefined) {
      const tarPath = await r.assemble(work);
      log(`workload: importing ${name} into ${sockets[0]}`);
      await docker(sockets[0]!, r.importArgs(tarPath, name));
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
    for (const s of sockets) await docker(s, ['tag', name, r.latest], 60);
    return { name, id };
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

/** Lays out `work/rootfs` with a static busybox and its applet links, /etc/passwd and /tmp; returns it. */
export async function busyboxRootfs(work: string, busyboxPath?: string): Promise<string> {
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
  await fs.writeFile(path.join(root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  await fs.writeFile(path.join(root, 'etc', 'group'), 'root:x:0:\n');
  return root;
}

/** Tars `root` into `work/rootfs.tar` (owners 0); returns its path. */
export async function tarRootfs(root: string, work: string): Promise<string> {
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
export function run(argv: readonly string[], limitSeconds: number): Promise<string> {
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
