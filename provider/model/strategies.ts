/**
 * Predictions of the four strategies for a given number of pre-copy rounds:
 * - `stop-and-copy`: freeze, send all of M, restore.
 * - `pre-copy`: n rounds while the container runs, then stop-and-copy of the residual V_n.
 * - `post-copy`: freeze, send the non-memory state, restore lazily; M is pulled while the workload runs
 *   degraded on the target.
 * - `hybrid`: n pre-copy rounds, then post-copy of the residual V_n.
 *
 * The total time is the sum of the phases (rounds, switchover, post-copy pull), and so is the traffic.
 */
import { bytes, seconds, type Bytes, type Duration } from '../units';
import {
  lazyPull,
  roundCost,
  switchover,
  type ModelParams,
  type PullBreakdown,
  type SwitchoverBreakdown,
} from './costs';
import { nextResidual } from './recurrence';

/** The four ways to move a container. */
export type Strategy = 'stop-and-copy' | 'pre-copy' | 'post-copy' | 'hybrid';

/** All strategies, in the order they are reported. */
export const STRATEGIES: readonly Strategy[] = ['stop-and-copy', 'pre-copy', 'post-copy', 'hybrid'];

/** One predicted pre-copy round. Durations in seconds, sizes in bytes. */
export interface RoundPrediction {
  /** Round number i, from 0 (round 0 sends all of M). */
  readonly index: number;
  /** V_i: bytes sent in this round. */
  readonly volume: Bytes;
  /** Pages sent, `ceil(V_i / pageSize)`. */
  readonly pagesWritten: number;
  /** Pages of M skipped as unchanged since the previous round. */
  readonly pagesSkipped: number;
  /** Container frozen during this round's checkpoint. */
  readonly pause: Duration;
  /** Content delta (no dirty tracking). */
  readonly delta: Duration;
  /** `V_i / B`. */
  readonly transfer: Duration;
  /** T_i, the round's duration. */
  readonly duration: Duration;
  /** V_{i+1} = min(W, D * T_i): bytes changed during this round, sent next. */
  readonly dirtied: Bytes;
}

/** What a phase of a migration is. */
export type PhaseKind = 'pre-copy-round' | 'switchover' | 'post-copy-pull';

/** One phase of a migration: how long it takes (seconds) and what it sends (bytes). */
export interface Phase {
  /** Kind of phase. */
  readonly kind: PhaseKind;
  /** Short label, e.g. `round 2`. */
  readonly label: string;
  /** Duration, seconds. */
  readonly duration: Duration;
  /** Bytes on the wire. */
  readonly bytes: Bytes;
}

/** The prediction of one strategy. Durations in seconds, sizes in bytes. */
export interface StrategyPrediction {
  /** The strategy. */
  readonly strategy: Strategy;
  /** Pre-copy rounds, in order (empty for stop-and-copy and post-copy). */
  readonly rounds: readonly RoundPrediction[];
  /** The final switchover. */
  readonly switchover: SwitchoverBreakdown;
  /** The post-copy pull, or `null` when nothing is pulled lazily. */
  readonly pull: PullBreakdown | null;
  /** The container is stopped: `switchover.downtime`. */
  readonly downtime: Duration;
  /** Workload runs on the target with missing pages: `pull.degraded`, or 0. */
  readonly degradedTime: Duration;
  /** Sum of the pauses of pre-copy rounds (each checkpoint freezes the container briefly). */
  readonly roundPauses: Duration;
  /** From the first round to the last page: the sum of the phase durations. */
  readonly totalTime: Duration;
  /** Everything sent over the link: the sum of the phase bytes. */
  readonly bytesOnWire: Bytes;
  /** The phases, in order. */
  readonly phases: readonly Phase[];
}

/** Round `index` of the recurrence, which sends `volume` bytes (V_index). */
export function predictRound(p: ModelParams, index: number, volume: Bytes): RoundPrediction {
  const cost = roundCost(p, volume);
  const pagesWritten = Math.ceil(volume / p.pageSize);
  return {
    index,
    volume,
    pagesWritten,
    pagesSkipped: Math.max(0, Math.ceil(p.memory / p.pageSize) - pagesWritten),
    pause: cost.pause,
    delta: cost.delta,
    transfer: cost.transfer,
    duration: cost.duration,
    dirtied: nextResidual(p, volume),
  };
}

/** The first `n` pre-copy rounds of the recurrence and the residual V_n left after them. */
export function precopyRounds(p: ModelParams, n: number): { rounds: RoundPrediction[]; residual: Bytes } {
  const rounds: RoundPrediction[] = [];
  let volume = p.memory;
  for (let index = 0; index < n; index++) {
    const round = predictRound(p, index, volume);
    rounds.push(round);
    volume = round.dirtied;
  }
  return { rounds, residual: volume };
}

/**
 * Predicts `strategy` with `rounds` pre-copy rounds (ignored, i.e. 0, for `stop-and-copy` and `post-copy`).
 * Downtime is the switchover's; degraded time is the post-copy pull's; total time and bytes on the wire are
 * the sums over the phases.
 */
export function predictStrategy(p: ModelParams, strategy: Strategy, rounds: number): StrategyPrediction {
  const n = strategy === 'pre-copy' || strategy === 'hybrid' ? rounds : 0;
  const run = precopyRounds(p, n);
  const lazy = strategy === 'post-copy' || strategy === 'hybrid';
  const sw = switchover(p, lazy ? 'lazy' : 'copy', run.residual, n);
  const pull = lazy ? lazyPull(p, run.residual) : null;
  const phases: Phase[] = run.rounds.map((r) => ({
    kind: 'pre-copy-round',
    label: `round ${r.index}`,
    duration: r.duration,
    bytes: r.volume,
  }));
  phases.push({
    kind: 'switchover',
    label: 'switchover',
    duration: sw.downtime,
    bytes: bytes(sw.residual + p.rootfsDiff),
  });
  if (pull)
    phases.push({
      kind: 'post-copy-pull',
      label: 'post-copy pull',
      duration: pull.degraded,
      bytes: pull.remote,
    });
  return {
    strategy,
    rounds: run.rounds,
    switchover: sw,
    pull,
    downtime: sw.downtime,
    degradedTime: pull ? pull.degraded : seconds(0),
    roundPauses: seconds(run.rounds.reduce((s, r) => s + r.pause, 0)),
    totalTime: seconds(phases.reduce((s, ph) => s + ph.duration, 0)),
    bytesOnWire: bytes(phases.reduce((s, ph) => s + ph.bytes, 0)),
    phases,
  };
}
