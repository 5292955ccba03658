/** Turns the first issue of a failed zod parse into an `InvalidInput` naming the file and the field. Pure. */
import type { z } from 'zod';
import { InvalidInput } from '../errors';

/** `a.b[0].c` from a zod path. */
export function dottedPath(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join('');
}

/** The value at `path` in `root`, or `undefined` when the path does not exist. */
export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const p of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = Reflect.get(v, p);
  }
  return v;
}

/**
 * `InvalidInput` for the first issue of `error`: field `<path> in <what>` (or `<what>` for the whole value),
 * the value found there, and the issue's message as what was expected.
 */
export function issueToInvalidInput(error: z.ZodError, data: unknown, what: string): InvalidInput {
  const issue = error.issues[0];
  const path = issue?.path ?? [];
  const at = dottedPath(path);
  return new InvalidInput(
    at === '' ? what : `${at} in ${what}`,
    valueAt(data, path),
    (issue?.message ?? 'a valid value').replace(/^expected /, ''),
  );
}
