/**
 * Online switchover control: during a migration, after each completed pre-copy round, re-estimate B and D
 * from measurements (EWMA) and answer `another-round`, `switch-over`, `switch-to-post-copy` or `abort`, with
 * the reason. A pure state machine: `controllerStep(state, measurement, elapsed)` returns a new state and
 * the decision; nothing is mutated and no clock is read (the elapsed time is an input).
 *
 * Decision, in order:
 * 1. predicted downtime of a switchover now <= target: `switch-over` (QEMU's rule: residual at most the
 *    latency-aware threshold). Another round is never asked for once this holds.
 * 2. stop iterating when: the round cap is reached; another round would end after the time budget; no
 *    progress (residual not down by `minProgress`) within `stallWindow` rounds (KubeVirt's stall detection);
 *    or another round would save no more downtime than its checkpoint pause.
 * 3. then escalate: implied downtime within `downtimeTolerance` (1.5) x target: `switch-over`; else post-copy
 *    if allowed; else `switch-over` if extra downtime is acceptable; else `abort` (the container keeps running
 *    on the source).
 * 4. otherwise `another-round`.
 */
import {
  bytes,
  formatBytes,
  formatDuration,
  seconds,
  type Bytes,
  type BytesPerSecond,
  type Duration,
} from '../units';
import { copyThreshold, deriveParams, roundCost, switchover, withRates, type ModelParams } from './costs';
import { MIN_BANDWIDTH } from './defaults';
import { ewma } from './ewma';
import type { ModelInputs, ResolvedInputs } from './inputs';
import { checkBytes, checkSeconds, resolveInputs } from './validate';

const ms = formatDuration;
const mb = formatBytes;

/** What was measured in one completed pre-copy round. */
export interface RoundMeasurement {
  /** V_i: bytes sent in the round. */
  readonly sent: Bytes;
  /** Time spent sending them, in seconds (a bandwidth sample when above 0). */
  readonly transferTime: Duration;
  /** T_i: the round's wall time from its checkpoint to now, in seconds (above 0). */
  readonly duration: Duration;
}

/** The controller's answer. */
export type ControllerAction = 'another-round' | 'switch-over' | 'switch-to-post-copy' | 'abort';

/** The controller's state: plain data. */
export interface ControllerState {
  /** The validated inputs the controller started from. */
  readonly inputs: ResolvedInputs;
  /** Current EWMA estimate of B, bytes/s (the override, if one is set). */
  readonly bandwidth: BytesPerSecond;
  /** Current EWMA estimate of D, bytes/s. */
  readonly dirtyRate: BytesPerSecond;
  /** Rounds measured so far, oldest first. */
  readonly rounds: readonly RoundMeasurement[];
  /** Smallest predicted residual so far, bytes (`null` before the first round). */
  readonly bestResidual: Bytes | null;
  /** Rounds since the residual last dropped by at least `minProgress`. */
  readonly roundsWithoutProgress: number;
}

/** A decision with its reason and the predictions behind it. */
export interface ControllerDecision {
  /** What to do now. */
  readonly action: ControllerAction;
  /** Why, in words. */
  readonly reason: string;
  /** Rounds completed. */
  readonly round: number;
  /** Residual a switchover now would send, bytes: M before any round, else `min(W, D * T_last)`. */
  readonly predictedResidual: Bytes;
  /** Downtime of a copy switchover now, seconds. */
  readonly predictedDowntime: Duration;
  /** Downtime of a post-copy switchover now, seconds. */
  readonly postCopyDowntime: Duration;
  /** Largest residual that meets the target (latency-aware `threshold_size`), bytes. */
  readonly thresholdResidual: Bytes;
  /** B used, bytes/s. */
  readonly bandwidth: BytesPerSecond;
  /** D used, bytes/s. */
  readonly dirtyRate: BytesPerSecond;
}

/** Starts a controller from the planning inputs (validated; throws `InvalidInput`). */
export function startController(inputs: ModelInputs): ControllerState {
  const resolved = resolveInputs(inputs);
  const p = deriveParams(resolved);
  return {
    inputs: resolved,
    bandwidth: p.bandwidth,
    dirtyRate: p.dirtyRate,
    rounds: [],
    bestResidual: null,
    roundsWithoutProgress: 0,
  };
}

const paramsOf = (s: ControllerState): ModelParams =>
  withRates(deriveParams(s.inputs), s.bandwidth, s.dirtyRate);

/** The residual a switchover now would send, bytes. */
function residualNow(p: ModelParams, rounds: readonly RoundMeasurement[]): Bytes {
  const last = rounds[rounds.length - 1];
  return last === undefined ? p.memory : bytes(Math.min(p.workingSet, p.dirtyRate * last.duration));
}

/**
 * Records a completed round: B takes the sample `sent / transferTime` (unless overridden, and only when it
 * is a finite rate of at least {@link MIN_BANDWIDTH}: an empty or instant transfer says nothing about the
 * link), D the sample `sent_i / duration_{i-1}` (what changed since the previous checkpoint; none for round
 * 0, which sends all of M; ignored when not finite), both with the EWMA weight of the policy; progress is
 * tracked on the predicted residual. Throws `InvalidInput` on a bad measurement.
 */
export function observeRound(state: ControllerState, m: RoundMeasurement): ControllerState {
  const i = state.rounds.length;
  const sent = checkBytes(m.sent, `rounds[${i}].sent`);
  const transferTime = checkSeconds(m.transferTime, `rounds[${i}].transferTime`);
  const duration = checkSeconds(m.duration, `rounds[${i}].duration`, true);
  const w = state.inputs.policy.ewmaWeight;
  const overridden = state.inputs.link.bandwidthOverride !== undefined;
  const rate = sent / transferTime;
  const bandwidth =
    !overridden && Number.isFinite(rate) && rate >= MIN_BANDWIDTH
      ? (ewma(state.bandwidth, rate, w) as BytesPerSecond)
      : state.bandwidth;
  const prev = state.rounds[i - 1];
  const dirty = prev === undefined ? NaN : sent / prev.duration;
  const dirtyRate = Number.isFinite(dirty)
    ? (ewma(state.dirtyRate, dirty, w) as BytesPerSecond)
    : state.dirtyRate;
  const rounds = [...state.rounds, { sent, transferTime, duration }];
  const next = { ...state, bandwidth, dirtyRate, rounds };
  const residual = residualNow(paramsOf(next), rounds);
  const progress =
    state.bestResidual === null || residual < state.bestResidual * (1 - state.inputs.policy.minProgress);
  return {
    ...next,
    bestResidual: progress ? residual : state.bestResidual,
    roundsWithoutProgress: progress ? 0 : state.roundsWithoutProgress + 1,
  };
}

/** Decides what to do now, `elapsed` seconds after the migration started (see the module comment). */
export function decideSwitchover(state: ControllerState, elapsed: Duration): ControllerDecision {
  checkSeconds(elapsed, 'elapsed');
  const p = paramsOf(state);
  const { targetDowntime: target, maxRounds, timeBudget, stallWindow, downtimeTolerance } = p.policy;
  const n = state.rounds.length;
  const residual = residualNow(p, state.rounds);
  const downtime = switchover(p, 'copy', residual, n).downtime;
  const lazyDowntime = switchover(p, 'lazy', residual, n).downtime;
  const base = {
    round: n,
    predictedResidual: residual,
    predictedDowntime: downtime,
    postCopyDowntime: lazyDowntime,
    thresholdResidual: copyThreshold(p, target),
    bandwidth: p.bandwidth,
    dirtyRate: p.dirtyRate,
  };
  const decision = (action: ControllerAction, reason: string): ControllerDecision => ({
    ...base,
    action,
    reason,
  });
  const now = `predicted downtime ${ms(downtime)} (residual ${mb(residual)})`;
  if (downtime <= target) return decision('switch-over', `${now} meets the target ${ms(target)}`);

  const next = roundCost(p, residual);
  const after = bytes(Math.min(p.workingSet, p.dirtyRate * next.duration));
  const downtimeAfter = switchover(p, 'copy', after, n + 1).downtime;
  const gain = downtime - downtimeAfter;
  let stop: string | undefined;
  if (n >= maxRounds) stop = `hard cap of ${maxRounds} round(s) reached`;
  else if (timeBudget !== null && elapsed + next.duration + downtimeAfter > timeBudget)
    stop = `another round would end after the time budget ${ms(timeBudget)} (${ms(elapsed)} elapsed)`;
  else if (state.roundsWithoutProgress >= stallWindow)
    stop = `stalled: no progress in ${state.roundsWithoutProgress} round(s)`;
  else if (gain <= next.pause)
    stop =
      gain <= 0
        ? `another round would not lower the downtime (${ms(downtime)} now, ${ms(downtimeAfter)} after it)`
        : `another round would save ${ms(seconds(gain))} of downtime, no more than its ${ms(next.pause)} checkpoint pause`;
  if (stop === undefined)
    return decision(
      'another-round',
      `${now} is above the target ${ms(target)}; one more round should bring it to ${ms(downtimeAfter)} (residual ${mb(after)})`,
    );

  const limit = downtimeTolerance * target;
  if (downtime <= limit)
    return decision(
      'switch-over',
      `${stop}; ${now} is within ${downtimeTolerance} x the target ${ms(target)}`,
    );
  if (p.policy.postCopyAllowed && lazyDowntime < downtime)
    return decision(
      'switch-to-post-copy',
      `${stop}; ${now} is above ${downtimeTolerance} x the target; post-copy downtime ${ms(lazyDowntime)}`,
    );
  if (p.policy.extraDowntimeAcceptable)
    return decision(
      'switch-over',
      `${stop}; ${now} is above ${downtimeTolerance} x the target, and the policy accepts extra downtime`,
    );
  return decision(
    'abort',
    `${stop}; ${now} is above ${downtimeTolerance} x the target ${ms(target)} and ${p.policy.postCopyAllowed ? 'post-copy would not shorten it, nor does the policy accept extra downtime' : 'the policy accepts neither post-copy nor extra downtime'}: abort, the container keeps running on the source`,
  );
}

/** Records `measurement` and decides, `elapsed` seconds after the start: one step of the state machine. */
export function controllerStep(
  state: ControllerState,
  measurement: RoundMeasurement,
  elapsed: Duration,
): { state: ControllerState; decision: ControllerDecision } {
  const next = observeRound(state, measurement);
  return { state: next, decision: decideSwitchover(next, elapsed) };
}
