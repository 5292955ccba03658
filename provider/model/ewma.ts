/** Exponentially weighted moving averages of rates (bandwidth, dirty rate). */
import { bytesPerSecond, type BytesPerSecond } from '../units';
import type { DirtySample, TransferSample } from './inputs';

/**
 * One EWMA step: `w * sample + (1 - w) * previous`, in the unit of its arguments. With no previous value the
 * sample itself is the estimate. `weight` is the weight of the newest sample, in (0, 1].
 */
export function ewma(previous: number | undefined, sample: number, weight: number): number {
  return previous === undefined ? sample : weight * sample + (1 - weight) * previous;
}

/** Folds rates (bytes per second), oldest first, into one EWMA seeded with `seed` when given. */
export function ewmaRate(
  seed: BytesPerSecond | undefined,
  samples: readonly BytesPerSecond[],
  weight: number,
): BytesPerSecond | undefined {
  let estimate: number | undefined = seed;
  for (const s of samples) estimate = ewma(estimate, s, weight);
  return estimate === undefined ? undefined : bytesPerSecond(estimate);
}

/** The rate of a transfer sample: `bytes / duration`, in bytes per second. */
export const transferRate = (s: TransferSample): BytesPerSecond => bytesPerSecond(s.bytes / s.duration);

/** The rate of a dirty sample: `volume / interval`, in bytes per second. */
export const dirtySampleRate = (s: DirtySample): BytesPerSecond => bytesPerSecond(s.volume / s.interval);
