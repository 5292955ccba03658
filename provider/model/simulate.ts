/**
 * Runs the pre-copy recurrence round by round under a stop rule: the model's own rule (termination by target,
 * by gain, by cap, by budget) or a baseline, on the same model inputs.
 */
import { formatBytes, formatDuration, seconds, type Duration } from '../units';
import { roundCost, switchover, type ModelParams } from './costs';
import { ROUND_LIMIT } from './defaults';
import { effectiveFloor, nextResidual } from './recurrence';
import { predictRound, type RoundPrediction } from './strategies';
import type { StopRule, StopVerdict } from './stop-rules';

/** A predicted round as a stop rule sees it: its page counts plus the model's look-ahead. Seconds and bytes. */
export interface RoundObservation extends RoundPrediction {
  /** Time from the start of round 0 to the end of this round. */
  readonly elapsed: Duration;
  /** Downtime if the switchover happens now, with residual `dirtied`. */
  readonly downtimeIfStopped: Duration;
  /** Duration of one more round (which would send `dirtied`). */
  readonly nextRoundDuration: Duration;
  /** Pause of one more round's checkpoint. */
  readonly nextRoundPause: Duration;
  /** Downtime if one more round runs first. */
  readonly downtimeAfterNext: Duration;
}

/** What a stop rule sees of `round`, given the time elapsed before it (seconds). */
function observe(p: ModelParams, round: RoundPrediction, before: Duration): RoundObservation {
  const next = roundCost(p, round.dirtied);
  const after = nextResidual(p, round.dirtied);
  return {
    ...round,
    elapsed: seconds(before + round.duration),
    downtimeIfStopped: switchover(p, 'copy', round.dirtied, round.index + 1).downtime,
    nextRoundDuration: next.duration,
    nextRoundPause: next.pause,
    downtimeAfterNext: switchover(p, 'copy', after, round.index + 2).downtime,
  };
}

/** The least downtime pre-copy can approach on these inputs: a copy switchover of the floor `min(W, c)`, seconds. */
export const floorDowntime = (p: ModelParams): Duration =>
  switchover(p, 'copy', effectiveFloor(p), 1).downtime;

/**
 * The model's termination rule, checked after each round, in this order:
 * 1. predicted downtime of a switchover now <= target: stop (the smallest such n);
 * 2. another round would lower the downtime by no more than the pause of its own checkpoint: stop (when the
 *    target is below the floor, this is where the gain runs out);
 * 3. `policy.maxRounds` rounds done: stop (hard cap);
 * 4. another round would end the migration after the time budget: stop.
 */
export function modelStopRule(p: ModelParams): StopRule<RoundObservation> {
  const { targetDowntime: target, maxRounds, timeBudget } = p.policy;
  return {
    name: 'model',
    decide(history): StopVerdict {
      const n = history.length;
      const last = history[n - 1]!;
      const now = formatDuration(last.downtimeIfStopped);
      if (last.downtimeIfStopped <= target)
        return {
          stop: true,
          reason: `after ${n} round(s) the predicted downtime ${now} meets the target ${formatDuration(target)}`,
        };
      const gain = last.downtimeIfStopped - last.downtimeAfterNext;
      if (gain <= last.nextRoundPause) {
        const floor = floorDowntime(p);
        const why =
          gain <= 0
            ? `another round would not lower the predicted downtime ${now} (residual ${formatBytes(last.dirtied)} does not shrink)`
            : `another round would lower the downtime by ${formatDuration(seconds(gain))} only, no more than the ${formatDuration(last.nextRoundPause)} pause of its checkpoint`;
        const below =
          floor > target
            ? `; the target ${formatDuration(target)} is below the floor ${formatDuration(floor)} that pre-copy can reach`
            : '';
        return { stop: true, reason: `after ${n} round(s) ${why}${below}` };
      }
      if (n >= maxRounds)
        return {
          stop: true,
          reason: `hard cap of ${maxRounds} round(s) reached with predicted downtime ${now}`,
        };
      if (timeBudget !== null && last.elapsed + last.nextRoundDuration + last.downtimeAfterNext > timeBudget)
        return {
          stop: true,
          reason: `after ${n} round(s) another round would end after the time budget ${formatDuration(timeBudget)}`,
        };
      return {
        stop: false,
        reason: `predicted downtime ${now} is above the target ${formatDuration(target)}`,
      };
    },
  };
}

/** The outcome of a simulated pre-copy run: how many rounds ran (at least 1) and why it stopped. */
export interface PrecopyRun {
  /** Rounds run before the switchover. */
  readonly rounds: number;
  /** The stop rule's reason, in words. */
  readonly reason: string;
  /** The rounds as the rule saw them. */
  readonly observations: readonly RoundObservation[];
}

/** Simulates pre-copy rounds on the model until `rule` says stop (or {@link ROUND_LIMIT} rounds). */
export function runPrecopy(p: ModelParams, rule: StopRule<RoundObservation>): PrecopyRun {
  const history: RoundObservation[] = [];
  let elapsed = seconds(0);
  let volume = p.memory;
  for (let index = 0; index < ROUND_LIMIT; index++) {
    const obs = observe(p, predictRound(p, index, volume), elapsed);
    history.push(obs);
    const verdict = rule.decide(history);
    if (verdict.stop) return { rounds: history.length, reason: verdict.reason, observations: history };
    elapsed = obs.elapsed;
    volume = obs.dirtied;
  }
  return {
    rounds: ROUND_LIMIT,
    reason: `stopped by the simulation limit of ${ROUND_LIMIT} rounds`,
    observations: history,
  };
}
