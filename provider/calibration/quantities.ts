/**
 * Quantities with their unit, as a calibration profile stores them: `{ "value": 0.15, "unit": "s" }`. The
 * zod schemas here parse them into the unit types of provider/units (`Duration` in seconds, `BytesPerSecond`,
 * `Bytes`); the `*Json` functions write them back. Pure: no I/O.
 */
import { z } from 'zod';
import { bytes, bytesPerSecond, seconds, type Bytes, type BytesPerSecond, type Duration } from '../units';

/** Units a profile may give a duration in, and their length in seconds. */
export const DURATION_UNITS = { s: 1, ms: 1e-3 } as const;
/** Units a profile may give a rate in, and their size in bytes per second. */
export const RATE_UNITS = { 'B/s': 1, 'KiB/s': 1024, 'MiB/s': 1024 ** 2, 'GiB/s': 1024 ** 3 } as const;
/** Units a profile may give a size in, and their size in bytes. */
export const SIZE_UNITS = { B: 1, KiB: 1024, MiB: 1024 ** 2 } as const;

/** A duration as a profile file stores it. */
export interface DurationJson {
  /** The number, in `unit`. */
  readonly value: number;
  /** `s` or `ms`. */
  readonly unit: keyof typeof DURATION_UNITS;
}

/** A rate as a profile file stores it. */
export interface RateJson {
  /** The number, in `unit`. */
  readonly value: number;
  /** `B/s`, `KiB/s`, `MiB/s` or `GiB/s`. */
  readonly unit: keyof typeof RATE_UNITS;
}

/** A size as a profile file stores it. */
export interface SizeJson {
  /** The number, in `unit`. */
  readonly value: number;
  /** `B`, `KiB` or `MiB`. */
  readonly unit: keyof typeof SIZE_UNITS;
}

/** `{ value, unit }` with one of `units`, turned into the unit type by `make` (given the canonical number). */
function quantity<U extends Record<string, number>, T>(
  units: U,
  what: string,
  positive: boolean,
  make: (n: number) => T,
): z.ZodType<T, unknown> {
  const names = Object.keys(units);
  const factor = (unit: string): number => units[unit] ?? Number.NaN;
  const shape = `${what}: { "value": <number${positive ? ' above 0' : ', 0 or more'}>, "unit": ${names.map((u) => JSON.stringify(u)).join(' | ')} }`;
  const value = z.number({ error: `expected a number (${shape})` });
  return z
    .strictObject(
      {
        value: positive
          ? value.positive({ error: `expected a number above 0 (${shape})` })
          : value.nonnegative({ error: `expected a number, 0 or more (${shape})` }),
        unit: z.string({ error: `expected a unit (${shape})` }).refine((u) => Object.hasOwn(units, u), {
          error: `expected one of ${names.map((u) => JSON.stringify(u)).join(', ')} (${shape})`,
        }),
      },
      { error: `expected ${shape}` },
    )
    .refine((q) => Number.isFinite(q.value * factor(q.unit)), {
      error: `expected a finite number (${shape})`,
      path: ['value'],
    })
    .transform((q) => make(q.value * factor(q.unit)));
}

/** A duration, parsed into seconds. */
export const durationSchema = (positive = false): z.ZodType<Duration, unknown> =>
  quantity(DURATION_UNITS, 'a duration', positive, (n) => seconds(n));

/** A rate above 0, parsed into bytes per second. */
export const rateSchema = (): z.ZodType<BytesPerSecond, unknown> =>
  quantity(RATE_UNITS, 'a rate', true, (n) => bytesPerSecond(n));

/** A size above 0, parsed into bytes. */
export const sizeSchema = (): z.ZodType<Bytes, unknown> =>
  quantity(SIZE_UNITS, 'a size', true, (n) => bytes(n));

/** `x` to six significant digits: what a written profile keeps of a fitted value. */
export const sixDigits = (x: number): number => Number(x.toPrecision(6));

/** A duration for a profile file, in seconds (six significant digits). */
export const durationJson = (d: Duration): DurationJson => ({ value: sixDigits(d), unit: 's' });

/** A rate for a profile file, in MiB/s (six significant digits). */
export const rateJson = (r: BytesPerSecond): RateJson => ({
  value: sixDigits(r / RATE_UNITS['MiB/s']),
  unit: 'MiB/s',
});

/** A size for a profile file, in bytes. */
export const sizeJson = (b: Bytes): SizeJson => ({ value: b, unit: 'B' });
