/**
 * Plain data types of the benchmark: what is run (workload x link x strategy), and what one run measured.
 * Everything here is JSON: the results file is an array of {@link RunRecord}. Units are in the field names
 * (`Ms` milliseconds, `S` seconds, `Bytes`, `Mbit` megabit per second, `MiBs` MiB per second).
 */

/** The four strategies of issue 6, in the order of the issue. */
export const STRATEGY_NAMES = ['hand-made', 'p.haul', 'lxd', 'ferry'] as const;

/** One strategy: `hand-made` (docker checkpoint / copy / start), the two fixed stop rules, Ferry's planner. */
export type StrategyName = (typeof STRATEGY_NAMES)[number];

/**
 * Failure class of a run disturbed by another user of the shared test bed (link cut or set to other values
 * during the run): kept in the results, excluded from every median and count, and repeated by the runner.
 */
export const INTERFERENCE = 'bed-interference';

/** An emulated link between cluster-a and cluster-b. */
export interface LinkSpec {
  /** Round-trip time, milliseconds. */
  readonly rttMs: number;
  /** Bandwidth, megabit per second (10^6 bit/s). */
  readonly mbit: number;
}

/** The dirtier test workload (workloads/dirtier.c). */
export interface DirtierWorkload {
  /** Discriminator. */
  readonly kind: 'dirtier';
  /** Memory it allocates, MiB. */
  readonly mib: number;
  /**
   * Dirty rate as a fraction of the link's bandwidth (0 = idle, 0.1, 0.5, 1.5 = above the link): the
   * workload's `--dirty-mib-s` is derived from it per link, so "10 %" means the same thing on every link.
   */
  readonly dirtyFraction: number;
  /** Tick period, milliseconds (the resolution of the measured downtime). */
  readonly tickMs: number;
}

/** A real program from Debian's packages (Redis), with a client writing to it inside the container. */
export interface RedisWorkload {
  /** Discriminator. */
  readonly kind: 'redis';
  /** Data set the in-container client fills before the move, MiB (approximate). */
  readonly mib: number;
  /** Heartbeat period of the in-container client, milliseconds (the resolution of the downtime). */
  readonly tickMs: number;
}

/** A workload of the matrix. */
export type WorkloadSpec = DirtierWorkload | RedisWorkload;

/** One cell of the matrix: a workload on a link, to be moved by every strategy. */
export interface Cell {
  /** The workload. */
  readonly workload: WorkloadSpec;
  /** The link. */
  readonly link: LinkSpec;
}

/** One planned run: a cell, a strategy and a repetition number (1-based). */
export interface PlannedRun {
  /** Position in the run order (0-based). */
  readonly seq: number;
  /** The cell. */
  readonly cell: Cell;
  /** The strategy. */
  readonly strategy: StrategyName;
  /** Repetition of this (cell, strategy), 1-based. */
  readonly rep: number;
}

/** What the planner predicted for a run (Ferry's own plan; for the baselines, the model's simulation). */
export interface Prediction {
  /** Predicted downtime, seconds. */
  readonly downtimeS: number;
  /** Predicted total migration time, seconds. */
  readonly totalS: number;
  /** Predicted bytes on the wire. */
  readonly bytesOnWire: number;
  /** Predicted pre-copy rounds. */
  readonly rounds: number;
  /** The strategy the planner chose (`pre-copy`, `stop-and-copy`, ...). */
  readonly strategy: string;
}

/** Everything measured in one run. Measurements are absent when the run failed before producing them. */
export interface RunRecord {
  /** Position in the run order. */
  readonly seq: number;
  /** Stable key of the cell (see `cellKey`). */
  readonly cellKey: string;
  /** The cell. */
  readonly cell: Cell;
  /** The strategy. */
  readonly strategy: StrategyName;
  /** Repetition, 1-based. */
  readonly rep: number;
  /** Container name used (unique per run). */
  readonly container: string;
  /** ISO 8601 start time. */
  readonly startedAt: string;
  /** Whether the container ended up running on the target with its state intact. */
  readonly ok: boolean;
  /** Why it failed (first line), when `ok` is false. */
  readonly error?: string;
  /** Failure class for counting, e.g. `checkpoint-content-exists`, `aborted`, `other`. */
  readonly failure?: string;
  /** Downtime seen by the workload: the longest gap between its ticks over source + target logs, seconds. */
  readonly downtimeS?: number;
  /** Wall time from the strategy's start to the container running on the target, seconds. */
  readonly totalS?: number;
  /** Bytes sent between the hosts. */
  readonly bytesOnWire?: number;
  /** Pre-copy rounds (0 for stop-and-copy). */
  readonly rounds?: number;
  /** The tool's own downtime figure (freeze to running), seconds, when it has one. */
  readonly toolDowntimeS?: number;
  /** The tool's own total time (Ferry: including verify and cleanup after the target runs), seconds. */
  readonly toolTotalS?: number;
  /**
   * Measured time from the planner's plan to the target running, seconds: what the plan's total time
   * predicts (the measurements before the plan are not part of the prediction). Ferry only.
   */
  readonly measuredFromPlanS?: number;
  /** Why iteration stopped (pre-copy strategies). */
  readonly stopReason?: string;
  /** The workload's counter continued by exactly one across the move. */
  readonly counterContinuous?: boolean;
  /** Every verification the workload printed passed (dirtier only). */
  readonly verifyOk?: boolean;
  /** The prediction, when the strategy has one. */
  readonly predicted?: Prediction;
  /** Wall time of the whole run including container start, settle, log reads and cleanup, seconds. */
  readonly wallS?: number;
  /** The dirty rate given to the workload, MiB/s. */
  readonly dirtyMiBs?: number;
}

/** A whole results file. */
export interface BenchResults {
  /** Schema tag. */
  readonly schema: 'ferry-bench/1';
  /** Profile name. */
  readonly profile: string;
  /** ISO 8601 start and end. */
  readonly startedAt: string;
  /** ISO 8601 end. */
  readonly finishedAt: string;
  /** Repetitions per (cell, strategy). */
  readonly reps: number;
  /** Every run, in the order run. */
  readonly runs: readonly RunRecord[];
  /** Free-form notes about the environment (engine version, load). */
  readonly notes: readonly string[];
}
