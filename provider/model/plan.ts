/**
 * The `MigrationPlan` value: a plain, JSON-serializable object (numbers, strings, booleans, arrays, `null`)
 * that can be stored in Pulumi state and replayed: `planMigration(plan.inputs)` gives the same plan.
 */
import type { Bytes, BytesPerSecond, Duration } from '../units';
import type { PullBreakdown, SwitchoverBreakdown } from './costs';
import type { ResolvedInputs } from './inputs';
import type { Phase, RoundPrediction, Strategy, StrategyPrediction } from './strategies';

/** Identifies the shape of a stored plan. */
export const PLAN_SCHEMA = 'ferry.migration-plan/v1';

/** How one strategy fares on the inputs; durations in seconds, sizes in bytes. */
export interface StrategySummary {
  /** The strategy. */
  readonly strategy: Strategy;
  /** Pre-copy rounds it uses. */
  readonly rounds: number;
  /** Predicted downtime. */
  readonly downtime: Duration;
  /** Predicted total time. */
  readonly totalTime: Duration;
  /** Predicted bytes on the wire. */
  readonly bytesOnWire: Bytes;
  /** Predicted degraded time (post-copy pull). */
  readonly degradedTime: Duration;
  /** Sum of the pauses of its pre-copy rounds. */
  readonly roundPauses: Duration;
  /** Whether the policy allows it. */
  readonly allowed: boolean;
  /** Whether it makes sense on these inputs (pre-copy and hybrid need the start condition). */
  readonly viable: boolean;
  /** Downtime <= target. */
  readonly meetsTarget: boolean;
  /** Total time within the time budget (always when there is none). */
  readonly withinBudget: boolean;
  /** One sentence on this strategy. */
  readonly note: string;
}

/** The derived numbers behind a plan. */
export interface ModelSummary {
  /** B used, bytes/s (override, or EWMA of samples). */
  readonly bandwidth: BytesPerSecond;
  /** D used, bytes/s (EWMA of samples). */
  readonly dirtyRate: BytesPerSecond;
  /** B_eff: rate at which a round's duration grows with its volume, bytes/s. */
  readonly roundRate: BytesPerSecond;
  /** h = RTT + per-round overhead, seconds. */
  readonly roundOverhead: Duration;
  /** r = D / B_eff. */
  readonly ratio: number;
  /** c = D * h / (1 - r), bytes; `null` when r >= 1. */
  readonly floor: Bytes | null;
  /** min(W, c), or W when r >= 1, bytes. */
  readonly effectiveFloor: Bytes;
  /** Downtime of a copy switchover of the effective floor: the least pre-copy can reach, seconds. */
  readonly floorDowntime: Duration;
  /** Largest residual whose copy switchover meets the target (latency-aware `threshold_size`), bytes. */
  readonly thresholdResidual: Bytes;
  /** The stop rule that set the round count: `model`, `p.haul`, `lxd`, ... */
  readonly stopRule: string;
}

/** Reasons in plain words. */
export interface PlanReasons {
  /** Whether and why iterative pre-copy starts (beats a single stop-and-copy), or not. */
  readonly start: string;
  /** Why the rounds stop where they do. */
  readonly termination: string;
  /** Why this strategy was chosen over the others. */
  readonly choice: string;
}

/** A migration plan. Durations in seconds, sizes in bytes, rates in bytes per second. */
export interface MigrationPlan {
  /** Always {@link PLAN_SCHEMA}. */
  readonly schema: typeof PLAN_SCHEMA;
  /** The chosen strategy. */
  readonly strategy: Strategy;
  /** Pre-copy rounds, in order, with predicted volumes and times. */
  readonly rounds: readonly RoundPrediction[];
  /** Final switchover, term by term. */
  readonly switchover: SwitchoverBreakdown;
  /** Post-copy pull, or `null`. */
  readonly pull: PullBreakdown | null;
  /** Predicted downtime. */
  readonly downtime: Duration;
  /** Predicted total time: the sum of `phases[].duration`. */
  readonly totalTime: Duration;
  /** Predicted bytes on the wire: the sum of `phases[].bytes`. */
  readonly bytesOnWire: Bytes;
  /** Predicted time the workload runs degraded on the target (post-copy pull). */
  readonly degradedTime: Duration;
  /** Sum of the pauses of pre-copy checkpoints. */
  readonly roundPauses: Duration;
  /** Phases in order. */
  readonly phases: readonly Phase[];
  /** Downtime <= target. */
  readonly meetsTarget: boolean;
  /** Total time within the time budget. */
  readonly withinBudget: boolean;
  /** Whether the policy accepts this plan: within budget, and meets the target or extra downtime is acceptable. */
  readonly acceptable: boolean;
  /** Reasons in plain words. */
  readonly reasons: PlanReasons;
  /** Things a reviewer should know (risks, costs hidden from the downtime). */
  readonly warnings: readonly string[];
  /** Derived numbers. */
  readonly model: ModelSummary;
  /** All strategies, in the order of `STRATEGIES`. */
  readonly alternatives: readonly StrategySummary[];
  /** The validated inputs with defaults filled in: `planMigration(plan.inputs)` reproduces the plan. */
  readonly inputs: ResolvedInputs;
}

/** The parts of a plan taken over from a strategy prediction. */
export function fromPrediction(
  s: StrategyPrediction,
): Pick<
  MigrationPlan,
  | 'strategy'
  | 'rounds'
  | 'switchover'
  | 'pull'
  | 'downtime'
  | 'totalTime'
  | 'bytesOnWire'
  | 'degradedTime'
  | 'roundPauses'
  | 'phases'
> {
  return {
    strategy: s.strategy,
    rounds: s.rounds,
    switchover: s.switchover,
    pull: s.pull,
    downtime: s.downtime,
    totalTime: s.totalTime,
    bytesOnWire: s.bytesOnWire,
    degradedTime: s.degradedTime,
    roundPauses: s.roundPauses,
    phases: s.phases,
  };
}
