/**
 * Builds Ferry's test workload image `ferry/dirtier` (see `workloads/dirtier.c`) and loads it into local
 * Docker Engines. No registry is reachable, so the image is made with `docker import` from a root
 * filesystem tar (busybox-static + the static dirtier) and copied to the other engines with
 * `docker save` / `docker load`, which keeps the image ID identical everywhere.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { CommandFailed, InvalidInput, PrerequisiteMissing } from '../provider/errors';
import { busyboxRootfs, distributeImage, run, tarRootfs, type BuiltImage } from './images';

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

/** The image built by {@link buildWorkloadImage}: `ferry/dirtier:<short source hash>`, also `:latest`. */
export type WorkloadImage = BuiltImage;

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
  const binary = await buildDirtier(options);
  return distributeImage(sockets, {
    name: imageName(binary.hash),
    latest: `${IMAGE_REPO}:latest`,
    workParent: path.dirname(binary.path),
    assemble: (work) => assembleRootfs(binary.path, work, options.busyboxPath),
    importArgs: (tarPath, name) => importArgs(tarPath, name, binary.hash),
    ...(options.dockerBin !== undefined ? { dockerBin: options.dockerBin } : {}),
    ...(options.log !== undefined ? { log: options.log } : {}),
  });
}

/** Lays out the root filesystem in `work/rootfs` and tars it; returns the tar's path. */
async function assembleRootfs(dirtier: string, work: string, busyboxPath?: string): Promise<string> {
  const root = await busyboxRootfs(work, busyboxPath);
  await fs.copyFile(dirtier, path.join(root, DIRTIER_IN_IMAGE));
  await fs.chmod(path.join(root, DIRTIER_IN_IMAGE), 0o755);
  return tarRootfs(root, work);
}
