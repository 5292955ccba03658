/**
 * Zod building blocks shared by the provider's schemas (pure): durations, sizes, paths and names with
 * messages that say what was expected.
 */
import { z } from 'zod';
import { parseBytes, parseDuration } from '../units';

/** Whether `parse` accepts a string (it throws otherwise). */
export const parses =
  (parse: (s: string) => unknown) =>
  (s: string): boolean => {
    try {
      parse(s);
      return true;
    } catch {
      return false;
    }
  };

/** A duration with a unit, e.g. `"300ms"`. */
export const durationText = z
  .string({ error: 'expected a duration with a unit, like "300ms", "1.5s" or "10m"' })
  .refine(parses(parseDuration), {
    error: (iss) =>
      `${JSON.stringify(iss.input)} is not a duration: expected a number with a unit, like "300ms", "1.5s" or "10m"`,
  });

/** A duration above zero: the engine refuses a zero target downtime or time limit halfway through. */
export const positiveDurationText = durationText.refine(
  (t) => !parses(parseDuration)(t) || parseDuration(t) > 0,
  {
    error: (iss) => `${JSON.stringify(iss.input)} is zero: expected a duration above zero, like "300ms"`,
  },
);

/** An absolute path on a host (the engine refuses relative ones when it first uses them). */
export const absolutePath = (what: string): z.ZodString =>
  nonEmpty(what).refine((p) => p === '' || p.startsWith('/'), {
    error: (iss) => `${JSON.stringify(iss.input)} is relative: expected ${what} as an absolute path`,
  });

/** A size with a unit, e.g. `"256MiB"`. */
export const sizeText = z
  .string({ error: 'expected a size, like "256MiB" or "1GiB"' })
  .refine(parses(parseBytes), {
    error: (iss) =>
      `${JSON.stringify(iss.input)} is not a size: expected a number with a unit, like "256MiB" or "1GiB"`,
  });

/** A non-empty string, the message saying what was expected. */
export const nonEmpty = (what: string): z.ZodString =>
  z.string({ error: `expected ${what} (a string)` }).min(1, { error: `must not be empty: expected ${what}` });

/** Docker container names: `[a-zA-Z0-9][a-zA-Z0-9_.-]+`. */
export const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** An object of strings, e.g. labels or environment variables. */
export const stringMap = (what: string): z.ZodRecord<z.ZodString, z.ZodString> =>
  z.record(z.string(), z.string({ error: `expected ${what} values to be strings` }), {
    error: `expected an object of ${what} (name -> string)`,
  });

/** Error map of an object: unknown fields are named, anything else says which shape is expected. */
export const objectError =
  (shape: string) =>
  (iss: { code?: string; keys?: readonly string[] }): string =>
    iss.code === 'unrecognized_keys'
      ? `unknown field(s) ${(iss.keys ?? []).map((k) => JSON.stringify(k)).join(', ')}: expected ${shape}`
      : `expected ${shape}`;

/** One validation failure, as Pulumi's `check` reports it. */
export interface FieldFailure {
  /** Dotted path of the field, e.g. `migration.targetDowntime`. */
  readonly property: string;
  /** What is wrong and what is expected. */
  readonly reason: string;
}

/** `a.b[0].c` from a zod path. */
export function dottedPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out;
}
