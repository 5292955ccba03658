/**
 * Input guards shared by the command builders. Pure; each throws `InvalidInput` naming the field.
 */
import { posix } from 'node:path';
import { InvalidInput } from '../../errors';

/** Requires an absolute POSIX path without NUL bytes; returns it normalized (no `.`/`..`, no `//`). */
export function absolutePath(field: string, value: string): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.includes('\0')) {
    throw new InvalidInput(field, value, 'an absolute path without NUL bytes');
  }
  const n = posix.normalize(value);
  return n.length > 1 ? n.replace(/\/+$/, '') : n;
}

/** Container ids and names as runc and Docker accept them: `[A-Za-z0-9][A-Za-z0-9_.-]*`, at most 128. */
export function containerId(field: string, value: string): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(value)) {
    throw new InvalidInput(field, value, 'a container id or name ([A-Za-z0-9][A-Za-z0-9_.-]*)');
  }
  return value;
}

/** A word that must not be taken for an option: non-empty, no leading `-`, no NUL, no whitespace. */
export function plainWord(
  field: string,
  value: string,
  expected = 'a word without spaces or a leading "-"',
): string {
  if (typeof value !== 'string' || !/^[^\s\0-][^\s\0]*$/.test(value))
    throw new InvalidInput(field, value, expected);
  return value;
}

/**
 * True when `path` lies strictly inside `base` (both absolute; compared after lexical normalization).
 * `base` itself, `/`, and anything reached with `..` out of `base` are outside.
 */
export function isStrictlyInside(base: string, path: string): boolean {
  if (!base.startsWith('/') || !path.startsWith('/') || base.includes('\0') || path.includes('\0'))
    return false;
  const b = posix.normalize(base).replace(/\/+$/, '');
  const p = posix.normalize(path).replace(/\/+$/, '');
  if (b === '') return false; // never treat the root directory as a removable base
  return p.startsWith(`${b}/`) && p.length > b.length + 1;
}
