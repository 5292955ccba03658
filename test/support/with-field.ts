/** Test helper: a JSON copy of an object with one dotted field changed, for bad-input tables. */

/** `root` with `path` (dotted) set to `value`, or deleted when `value` is `undefined`. */
export function withField(root: object, path: string, value: unknown): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(root)) as Record<string, unknown>;
  const keys = path.split('.');
  let node: Record<string, unknown> = copy;
  for (const k of keys.slice(0, -1)) {
    node[k] ??= {};
    node = node[k] as Record<string, unknown>;
  }
  const last = keys[keys.length - 1]!;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}
