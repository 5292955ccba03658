import { InvalidInput } from '../errors';
import type { Quantity } from './brand';

/** A span of time, in seconds (fractional). Non-negative and finite. */
export type Duration = Quantity<'seconds'>;

/** Makes a `Duration` from seconds; rejects negative, NaN and infinite values. `field` names it in errors. */
export function seconds(n: number, field = 'duration'): Duration {
  if (!Number.isFinite(n) || n < 0)
    throw new InvalidInput(field, n, 'a finite, non-negative duration in seconds');
  return n as Duration;
}

/** `n` milliseconds as a `Duration`. */
export const millis = (n: number, field = 'duration'): Duration => seconds(n / 1000, field);

/** The duration in milliseconds (a plain number, for timers and display). */
export const inMillis = (d: Duration): number => d * 1000;

const DURATION_SUFFIX: Record<string, number> = {
  us: 1e-6,
  µs: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  min: 60,
  h: 3600,
};

/** Parses `"50ms"`, `"1.5s"`, `"2m"`, `"250us"` into a `Duration`. A bare number is rejected: the unit is required. */
export function parseDuration(text: string, field = 'duration'): Duration {
  const m = /^\s*([0-9]*\.?[0-9]+)\s*(us|µs|ms|s|min|m|h)\s*$/.exec(text);
  if (!m) throw new InvalidInput(field, text, 'a duration with a unit, like "50ms", "1.5s" or "2m"');
  return seconds(Number(m[1]) * DURATION_SUFFIX[m[2]!]!, field);
}

/** Formats a duration for people: `850 ms`, `3.20 s`, `2 min 5 s`. */
export function formatDuration(d: Duration): string {
  if (d < 1) return `${(d * 1000).toFixed(d < 0.01 ? 2 : 0)} ms`;
  if (d < 120) return `${d.toFixed(2)} s`;
  return `${Math.floor(d / 60)} min ${Math.round(d % 60)} s`;
}
