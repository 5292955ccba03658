/** Sizing and summarising link measurements (pure). */
import type { BytesPerSecond, Duration } from '../provider/units';

/** Median of a non-empty list (NaN for an empty one). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** `|measured - set| / set` (0 when both are 0; Infinity when only set is 0). */
export function relativeError(measured: number, set: number): number {
  if (set === 0) return measured === 0 ? 0 : Infinity;
  return Math.abs(measured - set) / set;
}

/** True if `measured` is within `tolerance` (a fraction, e.g. 0.2) of `set`. */
export function withinTolerance(measured: number, set: number, tolerance: number): boolean {
  return relativeError(measured, set) <= tolerance;
}

/**
 * For a zero RTT only the relay's own latency is measured: accept anything up to `floorSeconds` (default
 * 2 ms) above the set value, so tiny RTTs are judged in absolute terms.
 */
export function rttWithinTolerance(
  measured: Duration,
  set: Duration,
  tolerance: number,
  floorSeconds = 0.002,
): boolean {
  return Math.abs(measured - set) <= Math.max(tolerance * set, floorSeconds);
}

/** Bytes to send to measure a link: about 2 s worth at the set rate, between 2 MiB and 256 MiB. */
export function probeBytes(bandwidth: BytesPerSecond): number {
  return Math.round(Math.min(256 * 1024 * 1024, Math.max(2 * 1024 * 1024, bandwidth * 2)));
}

/** Echo round trips to time: about 1.5 s worth, between 5 and 30. */
export function probeRounds(rtt: Duration): number {
  return rtt <= 0 ? 30 : Math.min(30, Math.max(5, Math.floor(1.5 / rtt)));
}

/** Time limit of one link measurement, seconds: generous (4x the expected time at the set values) plus 30 s. */
export function probeTimeoutSeconds(bandwidth: BytesPerSecond, rtt: Duration): number {
  const bytes = probeBytes(bandwidth);
  return Math.ceil(4 * ((2 * bytes) / bandwidth + (probeRounds(rtt) + 4) * rtt) + 30);
}
