/**
 * Time limits of every remote step, derived from the sizes involved and the measured link (pure).
 * Each limit is a fixed allowance plus the time the work takes at a pessimistic rate, so that a healthy
 * step never hits it and a hung one is stopped in bounded time. All results in seconds.
 */
import { seconds, type Bytes, type BytesPerSecond, type Duration } from '../units';

/** Fixed allowance of a short command (mkdir, cat, inspect), seconds. */
export const SHORT_STEP: Duration = seconds(30);

/** Default overall deadline when neither the request nor the policy sets one, seconds. */
export const DEFAULT_DEADLINE: Duration = seconds(30 * 60);

/** Pessimistic local disk/CPU rate for dump, delta and restore work, bytes/s (20 MiB/s). */
export const SLOW_LOCAL_RATE = 20 * 1024 * 1024;

/** Lowest bandwidth assumed for transfer limits, bytes/s (1 Mbit/s). */
export const SLOW_LINK_RATE = 125_000;

/** Time limit of a checkpoint (`runc checkpoint`) of `memory` bytes. */
export function checkpointTimeout(memory: Bytes): Duration {
  return seconds(30 + memory / SLOW_LOCAL_RATE);
}

/** Time limit of a local `pagedelta diff` over `memory` bytes of images. */
export function deltaTimeout(memory: Bytes): Duration {
  return seconds(30 + (2 * memory) / SLOW_LOCAL_RATE);
}

/**
 * Time limit of sending `volume` bytes over a link measured at `bandwidth` bytes/s with round-trip time
 * `rtt`: 30 s plus 4 times the expected time (at no less than {@link SLOW_LINK_RATE}) plus 20 RTTs.
 */
export function transferTimeout(volume: Bytes, bandwidth: BytesPerSecond, rtt: Duration): Duration {
  const rate = Math.max(bandwidth, SLOW_LINK_RATE);
  return seconds(30 + (4 * volume) / rate + 20 * rtt);
}

/** Time limit of the target engine's restore (`start --checkpoint`) of `memory` bytes. */
export function restoreTimeout(memory: Bytes): Duration {
  return seconds(120 + memory / SLOW_LOCAL_RATE);
}

/** Time limit of sending a Docker image tar of `size` bytes over the data path. */
export function imageTransferTimeout(size: Bytes): Duration {
  return seconds(120 + size / SLOW_LINK_RATE);
}

/** Time limit of a `docker save` or `docker load` of `size` bytes on one host: 60 s + 2 x size at 20 MiB/s. */
export function localImageTimeout(size: Bytes): Duration {
  return seconds(2 * SHORT_STEP + (2 * size) / SLOW_LOCAL_RATE);
}

/**
 * The overall deadline: the request's, else the policy's time budget (with room for the switchover:
 * budget + restore limit), else {@link DEFAULT_DEADLINE}.
 */
export function overallDeadline(
  requested: Duration | undefined,
  timeBudget: Duration | null | undefined,
  memory: Bytes,
): Duration {
  if (requested !== undefined) return requested;
  if (timeBudget !== null && timeBudget !== undefined) return seconds(timeBudget + restoreTimeout(memory));
  return DEFAULT_DEADLINE;
}

/** Seconds left before `deadline` (an absolute clock reading), never below `floor`. */
export function remaining(deadline: Duration, now: Duration, floor = 1): Duration {
  return seconds(Math.max(floor, deadline - now));
}
