import { InvalidInput } from '../errors';
import type { Quantity } from './brand';
import { bytes, type Bytes } from './bytes';
import { seconds, type Duration } from './duration';

/** A data rate, in bytes per second. Used for link bandwidth and for dirty rates. Non-negative and finite. */
export type BytesPerSecond = Quantity<'bytes/s'>;

/** Makes a `BytesPerSecond`; rejects negative, NaN and infinite values. `field` names it in errors. */
export function bytesPerSecond(n: number, field = 'rate'): BytesPerSecond {
  if (!Number.isFinite(n) || n < 0)
    throw new InvalidInput(field, n, 'a finite, non-negative rate in bytes per second');
  return n as BytesPerSecond;
}

/** `n` megabits per second (10⁶ bits) as bytes per second. */
export const mbit = (n: number): BytesPerSecond => bytesPerSecond((n * 1e6) / 8);
/** `n` gigabits per second (10⁹ bits) as bytes per second. */
export const gbit = (n: number): BytesPerSecond => bytesPerSecond((n * 1e9) / 8);
/** `n` MiB per second as bytes per second. */
export const mibPerSecond = (n: number): BytesPerSecond => bytesPerSecond(n * 1024 * 1024);

/** The rate in megabits per second (a plain number for display). */
export const inMbit = (r: BytesPerSecond): number => (r * 8) / 1e6;

const RATE_SUFFIX: Record<string, number> = {
  bit: 1 / 8,
  kbit: 1e3 / 8,
  mbit: 1e6 / 8,
  gbit: 1e9 / 8,
  'b/s': 1,
  'kb/s': 1e3,
  'mb/s': 1e6,
  'gb/s': 1e9,
  'kib/s': 1024,
  'mib/s': 1024 ** 2,
  'gib/s': 1024 ** 3,
};

/** Parses `"100mbit"`, `"1gbit"`, `"12MB/s"`, `"64MiB/s"` (tc-style bit rates, or byte rates with `/s`). */
export function parseBandwidth(text: string, field = 'bandwidth'): BytesPerSecond {
  const m = /^\s*([0-9]*\.?[0-9]+)\s*([a-zA-Z/]+)\s*$/.exec(text);
  const factor = m ? RATE_SUFFIX[m[2]!.toLowerCase()] : undefined;
  if (!m || factor === undefined) {
    throw new InvalidInput(field, text, 'a rate like "100mbit", "1gbit", "12MB/s" or "64MiB/s"');
  }
  const r = Number(m[1]) * factor;
  if (r <= 0) throw new InvalidInput(field, text, 'a rate above zero');
  return bytesPerSecond(r, field);
}

/** Formats a rate as Mbit/s, e.g. `100.0 Mbit/s`. */
export const formatBandwidth = (r: BytesPerSecond): string => `${inMbit(r).toFixed(1)} Mbit/s`;

/** Time to send `b` bytes at rate `r`. Infinite rates are not allowed; a zero rate gives `Infinity`-free error. */
export function transferTime(b: Bytes, r: BytesPerSecond): Duration {
  if (r <= 0) throw new InvalidInput('bandwidth', r, 'a rate above zero');
  return seconds(b / r);
}

/** Bytes produced at rate `r` during `d`. */
export const volumeOver = (r: BytesPerSecond, d: Duration): Bytes => bytes(r * d);
