/**
 * Who decides, after each pre-copy round, whether to run another one: Ferry's online controller (fed the
 * measured bytes and times of the round) or a fixed stop rule over page counts (CRIU p.haul's, LXD's, or
 * any other `StopRule`), which the benchmark uses as baselines on the same engine. Both are pure state
 * machines behind one small interface, so `precopy` does not care which one it runs.
 */
import {
  controllerStep,
  type ControllerAction,
  type ControllerState,
  type PageStats,
  type StopRule,
} from '../../model';
import { bytesPerSecond, type Bytes, type BytesPerSecond, type Duration } from '../../units';

/** What happened in a round, as the deciders read it. Sizes in bytes, times in seconds. */
export interface RoundFacts {
  /** Bytes sent. */
  readonly sent: Bytes;
  /** Time spent sending them. */
  readonly transferTime: Duration;
  /** From the round's checkpoint to the end of its send. */
  readonly duration: Duration;
  /** Pages sent (changed since the previous round). */
  readonly pagesSent: number;
  /** Pages not sent (unchanged). */
  readonly pagesUnchanged: number;
}

/** A decider's answer after a round. */
export interface RoundVerdict {
  /** What to do now (a fixed rule only ever says `another-round` or `switch-over`). */
  readonly action: ControllerAction;
  /** Why, in words. */
  readonly reason: string;
  /** Downtime of a switchover now, predicted, seconds (the controller only). */
  readonly predictedDowntime?: Duration;
}

/** Decides after each pre-copy round. Immutable: `decide` returns the next decider. */
export interface RoundDecider {
  /** Bandwidth to size the next transfer's time limit, bytes/s. */
  readonly bandwidth: BytesPerSecond;
  /** The verdict after `round`, `elapsed` seconds into the migration, and the decider for the next round. */
  decide(round: RoundFacts, elapsed: Duration): { verdict: RoundVerdict; next: RoundDecider };
}

/** Ferry's online controller (`provider/model/controller.ts`), started from the planning inputs. */
export function controllerDecider(state: ControllerState): RoundDecider {
  return {
    bandwidth: state.bandwidth,
    decide(round, elapsed) {
      const step = controllerStep(
        state,
        { sent: round.sent, transferTime: round.transferTime, duration: round.duration },
        elapsed,
      );
      const d = step.decision;
      return {
        verdict: { action: d.action, reason: d.reason, predictedDowntime: d.predictedDowntime },
        next: controllerDecider(step.state),
      };
    },
  };
}

/** Rounds a fixed rule may run at most, whatever it says (p.haul stops by 8, LXD by 10). */
export const FIXED_RULE_ROUND_CAP = 12;

/**
 * A fixed stop rule over the page counts of the rounds so far (`pagesSent` as pages written,
 * `pagesUnchanged` as pages skipped), capped at `cap` rounds. The bandwidth for time limits starts at
 * `initialBandwidth` and then follows the last round's measured rate.
 */
export function ruleDecider(
  rule: StopRule<PageStats>,
  initialBandwidth: BytesPerSecond,
  cap = FIXED_RULE_ROUND_CAP,
  history: readonly PageStats[] = [],
): RoundDecider {
  return {
    bandwidth: initialBandwidth,
    decide(round) {
      const all = [...history, { pagesWritten: round.pagesSent, pagesSkipped: round.pagesUnchanged }];
      const v = rule.decide(all);
      const capped = !v.stop && all.length >= cap;
      // a round that sent nothing (or too fast to time) carries no rate: keep the previous one
      const rate = round.transferTime > 0 ? round.sent / round.transferTime : 0;
      const measured = Number.isFinite(rate) && rate > 0 ? bytesPerSecond(rate) : initialBandwidth;
      return {
        verdict: {
          action: v.stop || capped ? 'switch-over' : 'another-round',
          reason: capped ? `${rule.name}: safety cap of ${cap} rounds` : v.reason,
        },
        next: ruleDecider(rule, measured, cap, all),
      };
    },
  };
}
