/**
 * Compiles Ferry's small native helpers (C sources under `native/`, e.g. `pagedelta`) into statically
 * linked executables that can be uploaded to hosts that have nothing but a shell. Builds are cached in a
 * directory, keyed by a hash of compiler, flags and source: an up-to-date binary is never rebuilt.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { CommandFailed, InvalidInput, PrerequisiteMissing, TimedOut } from '../../errors';
import { inMillis, seconds, type Duration } from '../../units';

/** The compiler flags of every native helper: static, optimised, with warnings. Part of the build hash. */
export const NATIVE_CFLAGS: readonly string[] = ['-static', '-O2', '-Wall', '-Wextra'];

/** How long one compilation may take by default (seconds). */
export const NATIVE_BUILD_TIMEOUT: Duration = seconds(120);

/** Options of {@link buildNative}. All optional. */
export interface NativeBuildOptions {
  /** Where binaries are cached (default: {@link defaultNativeCacheDir}). Created when missing. */
  readonly cacheDir?: string;
  /** The C compiler (default `gcc` on PATH). */
  readonly cc?: string;
  /** Compiler flags (default {@link NATIVE_CFLAGS}). */
  readonly flags?: readonly string[];
  /** Time limit of one compilation, in seconds (default {@link NATIVE_BUILD_TIMEOUT}). */
  readonly timeout?: Duration;
  /** Receives one progress line at a time. */
  readonly log?: (line: string) => void;
}

/** A compiled native helper. */
export interface NativeBinary {
  /** Absolute path of the static executable. */
  readonly path: string;
  /** Build hash: hex sha256 over compiler, flags and source. */
  readonly hash: string;
  /** True when this call compiled it; false when the cached binary was up to date. */
  readonly built: boolean;
}

/** Hex sha256 over the compiler name, the flags and the source: changes whenever the binary would. */
export function nativeBuildHash(
  source: string | Buffer,
  cc = 'gcc',
  flags: readonly string[] = NATIVE_CFLAGS,
): string {
  return createHash('sha256')
    .update(cc)
    .update('\0')
    .update(flags.join('\0'))
    .update('\0\0')
    .update(source)
    .digest('hex');
}

/**
 * Cache file name of a build: the source's base name without `.c`, a dash and the first 16 hex digits of
 * the build hash, e.g. `pagedelta-0123456789abcdef`.
 */
export function nativeBinaryName(sourcePath: string, hash: string): string {
  if (!/^[0-9a-f]{16,}$/.test(hash)) throw new InvalidInput('hash', hash, 'a hex build hash (16+ digits)');
  const base = path.basename(sourcePath).replace(/\.c$/, '');
  if (base === '') throw new InvalidInput('sourcePath', sourcePath, 'the path of a C source file');
  return `${base}-${hash.slice(0, 16)}`;
}

/** The compiler's argument vector (argv[0] is the compiler) that builds `source` into `output`. */
export function nativeCompileArgv(
  source: string,
  output: string,
  cc = 'gcc',
  flags: readonly string[] = NATIVE_CFLAGS,
): string[] {
  return [cc, ...flags, '-o', output, source];
}

/** True when a failed compilation's stderr says the static C library (libc.a, from libc6-dev) is missing. */
export function missingStaticLibc(stderr: string): boolean {
  return /cannot find -lc\b/.test(stderr) || /cannot find (crt1|crti)\.o/.test(stderr);
}

/**
 * Of the file names in a cache directory, the older builds of the same source as the binary `keep`
 * (same base name, another build hash), which a new build replaces.
 */
export function staleBuilds(names: readonly string[], keep: string): string[] {
  const m = /^(.*)-[0-9a-f]{16}$/.exec(keep);
  if (!m) return [];
  const base = m[1]!;
  return names.filter(
    (n) => n !== keep && n.startsWith(`${base}-`) && /^[0-9a-f]{16}$/.test(n.slice(base.length + 1)),
  );
}

/** True when the cached file (its `stat`, or `undefined` if absent) is a usable executable. */
export function isUsableBinary(existing: { size: number; mode: number } | undefined): boolean {
  return existing !== undefined && existing.size > 0 && (existing.mode & 0o100) !== 0;
}

/**
 * The default cache directory: `<checkout>/.ferry/cache/native` for the nearest ancestor of `start`
 * holding a `package.json`, else `<tmpdir>/ferry-native-cache`.
 */
export function defaultNativeCacheDir(
  start: string = __dirname,
  exists: (p: string) => boolean = existsSync,
): string {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (exists(path.join(dir, 'package.json'))) return path.join(dir, '.ferry', 'cache', 'native');
    if (path.dirname(dir) === dir) return path.join(os.tmpdir(), 'ferry-native-cache');
  }
}

/**
 * Compiles the C source at `sourcePath` statically into the cache directory, unless a binary of the same
 * compiler, flags and source is already there; a new build removes the older builds of that source.
 * Safe to call concurrently: the binary is written under a temporary name and renamed into place.
 * @returns the binary's path and build hash.
 * @throws PrerequisiteMissing when the source, the compiler or the static C library is missing;
 *   CommandFailed when the compiler rejects the source; TimedOut when it exceeds `timeout`.
 */
export async function buildNative(
  sourcePath: string,
  options: NativeBuildOptions = {},
): Promise<NativeBinary> {
  const cc = options.cc ?? 'gcc';
  const flags = options.flags ?? NATIVE_CFLAGS;
  const cacheDir = path.resolve(options.cacheDir ?? defaultNativeCacheDir());
  let source: Buffer;
  try {
    source = await fs.readFile(sourcePath);
  } catch (e) {
    throw new PrerequisiteMissing(sourcePath, 'C source not readable', {
      hint: 'run Ferry from a complete checkout (native/ holds the helpers)',
      cause: e,
    });
  }
  const hash = nativeBuildHash(source, cc, flags);
  const out = path.join(cacheDir, nativeBinaryName(sourcePath, hash));
  if (isUsableBinary(await fs.stat(out).catch(() => undefined))) return { path: out, hash, built: false };

  await fs.mkdir(cacheDir, { recursive: true });
  const tmp = `${out}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  const argv = nativeCompileArgv(path.resolve(sourcePath), tmp, cc, flags);
  options.log?.(`native: compiling ${sourcePath}`);
  try {
    await run(argv, options.timeout ?? NATIVE_BUILD_TIMEOUT, `compiling ${path.basename(sourcePath)}`);
    await fs.chmod(tmp, 0o755);
    await fs.rename(tmp, out);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    if (e instanceof CommandFailed && missingStaticLibc(e.stderr)) {
      throw new PrerequisiteMissing('libc6-dev', 'the static C library (libc.a) is missing', {
        hint: 'apt-get install libc6-dev',
        cause: e,
      });
    }
    throw e;
  }
  // Best effort: an older build that cannot be removed is only wasted space.
  const names = await fs.readdir(cacheDir).catch(() => []);
  for (const stale of staleBuilds(names, path.basename(out))) {
    await fs.rm(path.join(cacheDir, stale), { force: true }).catch(() => undefined);
  }
  return { path: out, hash, built: true };
}

/** Runs argv locally (argument array, no shell) with a time limit; resolves when it exits with 0. */
function run(argv: readonly string[], limit: Duration, operation: string): Promise<void> {
  const [cmd, ...args] = argv;
  if (cmd === undefined) return Promise.reject(new InvalidInput('argv', argv, 'a non-empty argument vector'));
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { timeout: inMillis(limit), killSignal: 'SIGKILL', maxBuffer: 16 << 20 },
      (err, _stdout, stderr) => {
        if (!err) return resolve();
        const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: string | number | null };
        if (e.code === 'ENOENT') {
          return reject(
            new PrerequisiteMissing(cmd, 'C compiler not found', {
              hint: 'apt-get install gcc libc6-dev',
              cause: err,
            }),
          );
        }
        if (e.killed) return reject(new TimedOut(operation, limit, { cause: err }));
        reject(
          new CommandFailed(argv, typeof e.code === 'number' ? e.code : null, String(stderr), 'localhost'),
        );
      },
    );
  });
}
