/**
 * Pure builders of file-handling argument vectors (GNU coreutils / GNU tar on the host) and parsers of
 * their output. Deletions are confined to a base directory by a lexical guard.
 */
import { InvalidInput } from '../../errors';
import { bytes, type Bytes } from '../../units';
import { absolutePath, isStrictlyInside } from './validate';

/** `mkdir -p -- <path>...`: all of them in one command. */
export function mkdirArgv(...paths: [string, ...string[]]): string[] {
  // umask 077: the dirs Ferry creates hold memory images; nobody else may read them
  return [
    'sh',
    '-c',
    'umask 077 && exec mkdir -p -- "$@"',
    'sh',
    ...paths.map((p) => absolutePath('path', p)),
  ];
}

/** `rm -f -- <path>...`: removes files (not directories); a missing one is no error. */
export function removeFilesArgv(...paths: [string, ...string[]]): string[] {
  return ['rm', '-f', '--', ...paths.map((p) => absolutePath('path', p))];
}

/** `tail -n <lines> -- <path>`: the last `lines` lines of a file. */
export function tailArgv(lines: number, path: string): string[] {
  if (!Number.isInteger(lines) || lines < 1) throw new InvalidInput('lines', lines, 'a positive integer');
  return ['tail', '-n', String(lines), '--', absolutePath('path', path)];
}

/**
 * `rm -rf --one-file-system -- <path>`, only for a path strictly inside `base` (never `base` itself, never
 * `/`, no `..` escapes). The guard is lexical: a symlinked directory component inside `base` that points
 * elsewhere is not detected, so keep `base` a directory Ferry creates and owns.
 *
 * @throws InvalidInput when `path` is not strictly inside `base`.
 */
export function removeUnderArgv(base: string, path: string): string[] {
  const b = absolutePath('base', base);
  const p = absolutePath('path', path);
  if (!isStrictlyInside(b, p)) throw new InvalidInput('path', path, `a path strictly inside ${b}`);
  return ['rm', '-rf', '--one-file-system', '--', p];
}

/** Options of `tarCreateArgv`. */
export interface TarCreateOptions {
  /** Directory the archive is taken from (`-C`). */
  readonly dir: string;
  /** Members relative to `dir` (default `['.']`). */
  readonly paths?: readonly string[];
  /** Keep holes in sparse files (`--sparse`). */
  readonly sparse?: boolean;
}

/** `tar -C <dir> -cf - --numeric-owner [--sparse] -- <paths...>`: writes the archive to stdout. */
export function tarCreateArgv(o: TarCreateOptions): string[] {
  const paths = o.paths ?? ['.'];
  if (paths.length === 0) throw new InvalidInput('paths', paths, 'at least one member');
  for (const [i, p] of paths.entries()) {
    if (!p || p.startsWith('/') || p.includes('\0')) {
      throw new InvalidInput(`paths[${i}]`, p, 'a non-empty path relative to dir');
    }
  }
  const argv = ['tar', '-C', absolutePath('dir', o.dir), '-cf', '-', '--numeric-owner'];
  if (o.sparse) argv.push('--sparse');
  return [...argv, '--', ...paths];
}

/** `tar -C <dir> -xf - --numeric-owner`: extracts the archive read from stdin (owners kept as root). */
export function tarExtractArgv(dir: string): string[] {
  return ['tar', '-C', absolutePath('dir', dir), '-xf', '-', '--numeric-owner'];
}

/** `du -sb -- <path>`: apparent size in bytes of a file tree. */
export function duArgv(path: string): string[] {
  return ['du', '-sb', '--', absolutePath('path', path)];
}

/** Parses `du -sb` output (`<bytes>\t<path>`). @throws InvalidInput on anything else. */
export function parseDu(stdout: string): Bytes {
  const m = /^(\d+)\s/.exec(stdout.trim() + '\n');
  if (!m) throw new InvalidInput('du output', stdout.slice(0, 200), '"<bytes>\\t<path>"');
  return bytes(Number(m[1]));
}

/** `df -B1 --output=avail -- <path>`: free bytes (for unprivileged users) on the path's file system. */
export function dfAvailArgv(path: string): string[] {
  return ['df', '-B1', '--output=avail', '--', absolutePath('path', path)];
}

/** Parses `df -B1 --output=avail` output (a header line `Avail`, then the number). */
export function parseDfAvail(stdout: string): Bytes {
  const lines = stdout.trim().split('\n');
  const value = lines[lines.length - 1]?.trim() ?? '';
  if (lines.length < 2 || !/^\d+$/.test(value)) {
    throw new InvalidInput('df output', stdout.slice(0, 200), 'a header line and a byte count');
  }
  return bytes(Number(value));
}
