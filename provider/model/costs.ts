/**
 * The cost terms of the model: effective bandwidth and dirty rate, the time and pause of one pre-copy round,
 * the downtime of a switchover, and the background pull of post-copy. Notation (see docs/model.md):
 * M memory, W working set, V residual, B bandwidth, D dirty rate, P processes, RTT round-trip time.
 */
import { bytes, bytesPerSecond, seconds, type Bytes, type BytesPerSecond, type Duration } from '../units';
import { dirtySampleRate, ewmaRate, transferRate } from './ewma';
import type { ResolvedCosts, ResolvedInputs, ResolvedPolicy } from './inputs';

/** The numbers the model works with, derived from validated inputs. All fields in their stated units. */
export interface ModelParams {
  /** M, bytes. */
  readonly memory: Bytes;
  /** W <= M, bytes. */
  readonly workingSet: Bytes;
  /** Root filesystem diff, bytes. */
  readonly rootfsDiff: Bytes;
  /** P, processes. */
  readonly processes: number;
  /** Page size, bytes. */
  readonly pageSize: Bytes;
  /** B: the override if set, else the EWMA of the samples seeded with the nominal bandwidth; bytes/s. */
  readonly bandwidth: BytesPerSecond;
  /** D: the EWMA of the dirty samples seeded with the given dirty rate; bytes/s. */
  readonly dirtyRate: BytesPerSecond;
  /** RTT, seconds. */
  readonly rtt: Duration;
  /** All checkpoint and restore costs. */
  readonly costs: ResolvedCosts;
  /** The policy. */
  readonly policy: ResolvedPolicy;
}

/** Derives {@link ModelParams} from validated inputs (EWMA of samples, override of bandwidth). */
export function deriveParams(inputs: ResolvedInputs): ModelParams {
  const { container: c, link: l, policy } = inputs;
  const w = policy.ewmaWeight;
  const estimate = ewmaRate(l.bandwidth, (l.bandwidthSamples ?? []).map(transferRate), w);
  // validation guarantees one of override, nominal bandwidth or samples, and one of dirty rate or samples
  const bandwidth = l.bandwidthOverride ?? estimate!;
  const dirtyRate = ewmaRate(c.dirtyRate, (c.dirtySamples ?? []).map(dirtySampleRate), w)!;
  return {
    memory: c.memory,
    workingSet: c.workingSet,
    rootfsDiff: c.rootfsDiff,
    processes: c.processes,
    pageSize: c.pageSize,
    bandwidth,
    dirtyRate,
    rtt: l.rtt,
    costs: l.costs,
    policy,
  };
}

/** Returns a copy of `p` with another bandwidth and dirty rate (used by the online controller). */
export const withRates = (
  p: ModelParams,
  bandwidth: BytesPerSecond,
  dirtyRate: BytesPerSecond,
): ModelParams => ({
  ...p,
  bandwidth,
  dirtyRate,
});

/** Freeze time of a checkpoint that dumps `dumped` bytes: `freezeBase + P * freezePerProcess + dumped / dumpRate`, seconds. */
export const freezeTime = (p: ModelParams, dumped: Bytes): Duration =>
  seconds(p.costs.freezeBase + p.processes * p.costs.freezePerProcess + dumped / p.costs.dumpRate);

/** Time of the page-level content delta over the full image: `M / deltaRate` without dirty tracking, else 0; seconds. */
export const deltaTime = (p: ModelParams): Duration =>
  seconds(p.costs.dirtyTracking ? 0 : p.memory / p.costs.deltaRate);

/** Restore time of `size` bytes of memory: `restoreBase + P * restorePerProcess + size / restoreRate`, seconds. */
export const restoreTime = (p: ModelParams, size: Bytes): Duration =>
  seconds(p.costs.restoreBase + p.processes * p.costs.restorePerProcess + size / p.costs.restoreRate);

/** Time to send `size` bytes at the bandwidth B, seconds. */
export const sendTime = (p: ModelParams, size: Bytes): Duration => seconds(size / p.bandwidth);

/** The parts of one pre-copy round that sends `volume` bytes; all in seconds. */
export interface RoundCost {
  /** Container frozen while the checkpoint dumps memory: all of M without dirty tracking, `volume` with it. */
  readonly pause: Duration;
  /** Content delta over M (no dirty tracking only; the container runs meanwhile). */
  readonly delta: Duration;
  /** `volume / B`. */
  readonly transfer: Duration;
  /** One RTT for the round's handshake. */
  readonly rtt: Duration;
  /** T_i: the sum of the above, the time between two snapshots. */
  readonly duration: Duration;
}

/** Cost of one pre-copy round that sends `volume` bytes (see {@link RoundCost}). */
export function roundCost(p: ModelParams, volume: Bytes): RoundCost {
  const pause = freezeTime(p, p.costs.dirtyTracking ? volume : p.memory);
  const delta = deltaTime(p);
  const transfer = sendTime(p, volume);
  return { pause, delta, transfer, rtt: p.rtt, duration: seconds(pause + delta + transfer + p.rtt) };
}

/**
 * B_eff: the rate at which a round's duration grows with its volume, so that `T_i = V_i / B_eff + h`.
 * Without dirty tracking it is B (the dump scans all of M whatever V is); with it, the dump of V adds
 * `V / dumpRate`, so `1 / B_eff = 1 / B + 1 / dumpRate`. Bytes/s.
 */
export const roundRate = (p: ModelParams): BytesPerSecond =>
  p.costs.dirtyTracking ? bytesPerSecond(1 / (1 / p.bandwidth + 1 / p.costs.dumpRate)) : p.bandwidth;

/**
 * h = RTT + overhead: the part of a round's duration that does not depend on its volume, seconds.
 * Without dirty tracking: `RTT + freezeBase + P * freezePerProcess + M / dumpRate + M / deltaRate`;
 * with it: `RTT + freezeBase + P * freezePerProcess`.
 */
export const roundOverhead = (p: ModelParams): Duration =>
  seconds(p.rtt + freezeTime(p, p.costs.dirtyTracking ? bytes(0) : p.memory) + deltaTime(p));

/** How the switchover ends the migration: send the residual while frozen (`copy`) or fault it in (`lazy`). */
export type SwitchoverMode = 'copy' | 'lazy';

/** The downtime of a switchover, term by term; durations in seconds, sizes in bytes. */
export interface SwitchoverBreakdown {
  /** `copy` (stop-and-copy of the residual) or `lazy` (post-copy of the residual). */
  readonly mode: SwitchoverMode;
  /** Memory sent while frozen, bytes (0 when lazy). */
  readonly residual: Bytes;
  /** Memory restored while frozen, bytes (M or V by `restoreScope`; 0 when lazy). */
  readonly restored: Bytes;
  /** Final checkpoint. */
  readonly freeze: Duration;
  /** Content delta to find the changed pages (after pre-copy rounds, without dirty tracking). */
  readonly delta: Duration;
  /** `residual / B`. */
  readonly memoryTransfer: Duration;
  /** `rootfsDiff / B`. */
  readonly rootfsTransfer: Duration;
  /** One RTT. */
  readonly rtt: Duration;
  /** Restore on the target. */
  readonly restore: Duration;
  /** The downtime: the sum of the terms above. */
  readonly downtime: Duration;
}

/**
 * Downtime of a switchover after `rounds` pre-copy rounds with residual `residual` (bytes; M when
 * `rounds = 0`):
 *
 * copy: `freeze(dumped) + delta + V / B + rootfsDiff / B + RTT + restore(restored)`, where `dumped` is V with
 * dirty tracking after rounds and M otherwise, `delta = M / deltaRate` only after rounds without tracking,
 * and `restored` is M (`full-image`) or V (`residual`).
 *
 * lazy: `freeze(dumped) + delta + rootfsDiff / B + RTT + restore(0)`: memory is not sent nor restored while
 * down. Without rounds (pure post-copy) or with tracking, `dumped = 0` (only page tables are walked); after
 * rounds without tracking the final dump must read all of M and run the delta to know which pages changed.
 */
export function switchover(
  p: ModelParams,
  mode: SwitchoverMode,
  residual: Bytes,
  rounds: number,
): SwitchoverBreakdown {
  const tracked = p.costs.dirtyTracking;
  const afterRounds = rounds > 0;
  const lazy = mode === 'lazy';
  const sent = lazy ? bytes(0) : residual;
  const dumped = lazy
    ? afterRounds && !tracked
      ? p.memory
      : bytes(0)
    : afterRounds && tracked
      ? residual
      : p.memory;
  const restored = lazy ? bytes(0) : p.costs.restoreScope === 'full-image' ? p.memory : residual;
  const freeze = freezeTime(p, dumped);
  const delta = afterRounds ? deltaTime(p) : seconds(0);
  const memoryTransfer = sendTime(p, sent);
  const rootfsTransfer = sendTime(p, p.rootfsDiff);
  const restore = restoreTime(p, restored);
  const downtime = seconds(freeze + delta + memoryTransfer + rootfsTransfer + p.rtt + restore);
  return {
    mode,
    residual: sent,
    restored,
    freeze,
    delta,
    memoryTransfer,
    rootfsTransfer,
    rtt: p.rtt,
    restore,
    downtime,
  };
}

/** The background pull of post-copy, while the workload runs degraded on the target. */
export interface PullBreakdown {
  /** Bytes pulled over the link. */
  readonly remote: Bytes;
  /** `max(remote / B, M / restoreRate)`: pages stream over the link while all of M is installed, seconds. */
  readonly stream: Duration;
  /** Faults: pages the workload touches before they arrive, `ceil(min(W, remote, D * stream / 2) / faultSize)`. */
  readonly faults: number;
  /** `faults * RTT`: each fault waits one round trip, seconds. */
  readonly faultWait: Duration;
  /** Degraded time: `stream + faultWait`, seconds. */
  readonly degraded: Duration;
}

/**
 * The post-copy pull of `remote` bytes (M for post-copy, the residual for hybrid). Assumes the workload
 * touches memory at the dirty rate D, uniformly, while pages stream in order: on average half of what it
 * touches during the stream has not arrived yet, so the faulting bytes are `min(W, remote, D * stream / 2)`.
 * Each fault stalls the workload one RTT, and the fault waits are added to the stream time (an upper bound:
 * the stream goes on during a fault). Faulting reads are not counted: read-heavy workloads fault more.
 */
export function lazyPull(p: ModelParams, remote: Bytes): PullBreakdown {
  const stream = seconds(Math.max(remote / p.bandwidth, p.memory / p.costs.restoreRate));
  const touched = Math.min(p.workingSet, remote, (p.dirtyRate * stream) / 2);
  const faults = Math.ceil(touched / p.costs.faultSize);
  const faultWait = seconds(faults * p.rtt);
  return { remote, stream, faults, faultWait, degraded: seconds(stream + faultWait) };
}

/**
 * QEMU's `threshold_size = bandwidth x downtime-limit`, made latency-aware: the largest residual V, in bytes,
 * whose copy switchover after pre-copy rounds still meets `target` (seconds). The downtime is linear in V,
 * `downtime(V) = downtime(0) + V * (1 / B + [tracking] / dumpRate + [residual scope] / restoreRate)`, so
 * `threshold = max(0, (target - downtime(0)) / slope)`. Zero when the fixed costs alone exceed the target.
 */
export function copyThreshold(p: ModelParams, target: Duration): Bytes {
  const fixed = switchover(p, 'copy', bytes(0), 1).downtime;
  const slope =
    1 / p.bandwidth +
    (p.costs.dirtyTracking ? 1 / p.costs.dumpRate : 0) +
    (p.costs.restoreScope === 'residual' ? 1 / p.costs.restoreRate : 0);
  return bytes(Math.max(0, (target - fixed) / slope));
}
