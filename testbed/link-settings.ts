/** Settings of one emulated WAN link (pure): round-trip time, bandwidth, and whether it is cut. */
import { InvalidInput } from '../provider/errors';
import {
  formatBandwidth,
  formatDuration,
  mbit,
  millis,
  parseBandwidth,
  parseDuration,
  type BytesPerSecond,
  type Duration,
} from '../provider/units';

/**
 * How a cut link fails:
 * - `none`: the link carries traffic.
 * - `reset`: fail fast. Open connections across the link are reset (RST to both ends) and new ones are
 *   accepted and reset at once, so clients see `ECONNRESET` (ssh: "Connection reset by peer" or
 *   "kex_exchange_identification: read: Connection reset by peer").
 * - `blackhole`: hang, as a network partition does. Nothing is forwarded in either direction: open
 *   connections stall (their data waits in the relay) and new connections are accepted but never reach the
 *   far side, so clients wait until their own timeouts. `restore` resumes the stalled connections.
 */
export type CutMode = 'none' | 'reset' | 'blackhole';

/** The set values of a link. */
export interface LinkSettings {
  /** Round-trip time added by the relay (each direction is delayed by half of it), in seconds. */
  readonly rtt: Duration;
  /** Rate of each direction, in bytes per second (HTB, per direction). */
  readonly bandwidth: BytesPerSecond;
}

/** Default round-trip time of every link: 50 ms. */
export const DEFAULT_RTT: Duration = millis(50);
/** Default bandwidth of every link: 100 Mbit/s. */
export const DEFAULT_BANDWIDTH: BytesPerSecond = mbit(100);
/** Longest RTT accepted: 10 s. */
export const MAX_RTT: Duration = parseDuration('10s');
/** Lowest bandwidth accepted: 64 kbit/s. */
export const MIN_BANDWIDTH: BytesPerSecond = parseBandwidth('64kbit');
/** Highest bandwidth accepted: 40 Gbit/s (far above what the relay can carry; effectively unshaped). */
export const MAX_BANDWIDTH: BytesPerSecond = parseBandwidth('40gbit');

/** Checks an RTT (0 .. 10 s). */
export function validateRtt(rtt: Duration, field = 'rtt'): Duration {
  if (!(rtt >= 0 && rtt <= MAX_RTT)) throw new InvalidInput(field, rtt, 'an RTT from 0 s to 10 s');
  return rtt;
}

/** Checks a bandwidth (64 kbit/s .. 40 Gbit/s). */
export function validateBandwidth(bw: BytesPerSecond, field = 'bandwidth'): BytesPerSecond {
  if (!(bw >= MIN_BANDWIDTH && bw <= MAX_BANDWIDTH)) {
    throw new InvalidInput(field, bw, 'a bandwidth from 64kbit to 40gbit (in bytes per second here)');
  }
  return bw;
}

/** Parses CLI text such as `50ms` and `100mbit` into validated settings; missing parts stay undefined. */
export function parseLinkSettings(text: { rtt?: string; bandwidth?: string }): Partial<LinkSettings> {
  return {
    ...(text.rtt !== undefined ? { rtt: validateRtt(parseDuration(text.rtt, 'rtt')) } : {}),
    ...(text.bandwidth !== undefined
      ? { bandwidth: validateBandwidth(parseBandwidth(text.bandwidth, 'bandwidth')) }
      : {}),
  };
}

/** `50 ms / 100.0 Mbit/s`. */
export function formatLinkSettings(s: LinkSettings): string {
  return `${formatDuration(s.rtt)} / ${formatBandwidth(s.bandwidth)}`;
}

/** One-way delay the relay adds to each direction: half the RTT, in milliseconds. */
export function oneWayDelayMs(rtt: Duration): number {
  return (rtt * 1000) / 2;
}
