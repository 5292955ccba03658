/**
 * The types of a calibration profile once parsed: every quantity in the unit types of provider/units
 * (`Duration` in seconds, `BytesPerSecond`, `Bytes`). The file stores each one as `{ value, unit }`.
 */
import type { ResolvedCosts } from '../model';
import type { Duration } from '../units';

/** The cost fields a profile holds: every field of the model's costs but `dirtyTracking` (the host's). */
export const COST_FIELDS = [
  'freezeBase',
  'freezePerProcess',
  'dumpRate',
  'deltaRate',
  'restoreBase',
  'restorePerProcess',
  'restoreRate',
  'restoreScope',
  'faultSize',
] as const;

/** A cost field of a profile. */
export type CostField = (typeof COST_FIELDS)[number];

/**
 * The model's costs as a profile gives them: freeze `freezeBase + P * freezePerProcess + M / dumpRate`
 * (seconds), delta `M / deltaRate`, restore `restoreBase + P * restorePerProcess + size / restoreRate`,
 * `faultSize` bytes per post-copy fault. See `CheckpointCosts` in provider/model for each field.
 */
export type ProfileCosts = Omit<ResolvedCosts, 'dirtyTracking'>;

/** The engine's restore modes (`MigrationRequest.restoreMode`), each of which may have its own restore costs. */
export const RESTORE_MODES = ['pages-by-reference', 'engine-copy'] as const;

/** A restore mode of the engine. */
export type RestoreModeName = (typeof RESTORE_MODES)[number];

/** Restore costs that replace the profile's own for one restore mode (seconds, bytes per second). */
export type RestoreCosts = Partial<Pick<ResolvedCosts, 'restoreBase' | 'restorePerProcess' | 'restoreRate'>>;

/** The hosts a profile was measured on. Versions are as the runs' hosts reported them (free text). */
export interface HostDescription {
  /** One line for people, e.g. `2 vCPU microVM, Linux 6.18, Docker 20.10.24, CRIU 4.1.1`. */
  readonly description: string;
  /** Kernel release. */
  readonly kernel?: string | undefined;
  /** CPUs of one host. */
  readonly cpus?: number | undefined;
  /** CRIU version. */
  readonly criu?: string | undefined;
  /** runc version. */
  readonly runc?: string | undefined;
  /** Docker Engine version. */
  readonly docker?: string | undefined;
  /** containerd version. */
  readonly containerd?: string | undefined;
  /** Whether the kernel tracks dirty pages (soft-dirty). */
  readonly dirtyTracking?: boolean | undefined;
}

/** One migration a profile was fitted to. */
export interface ProfileRun {
  /** Migration id, or where the run is in its log (e.g. `ci:451`, the line of its `plan:` entry). */
  readonly id: string;
  /** The file it comes from (a report, a log excerpt). */
  readonly source?: string | undefined;
  /** What moved, e.g. `256 MiB A->B, 3 rounds`. */
  readonly description?: string | undefined;
  /** Measured downtime, seconds. */
  readonly measuredDowntime?: Duration | undefined;
  /** Downtime predicted with the profile's costs, seconds (see {@link DowntimeError.measure}). */
  readonly predictedDowntime?: Duration | undefined;
}

/** How far the predicted downtimes of the runs were from the measured ones. */
export interface DowntimeError {
  /** What was predicted, e.g. `switchover of the measured final round`. */
  readonly measure: string;
  /** How many runs the figures cover. */
  readonly runs: number;
  /** Median of |predicted / measured - 1|, percent. */
  readonly medianAbsPercent: number;
  /** Largest |predicted / measured - 1|, percent. */
  readonly maxAbsPercent: number;
  /** The same figures with the costs before the fit. */
  readonly before?:
    | {
        /** Which costs: a profile name, or a description. */
        readonly costs: string;
        /** Median |error|, percent. */
        readonly medianAbsPercent: number;
        /** Largest |error|, percent. */
        readonly maxAbsPercent: number;
      }
    | undefined;
}

/** Where a profile's costs come from. */
export interface Provenance {
  /** The day the costs were fitted, `YYYY-MM-DD`. */
  readonly date: string;
  /** The hosts of the runs. */
  readonly host: HostDescription;
  /** The link of the runs (RTT, bandwidth), when they share one. */
  readonly link?: string | undefined;
  /** The workload of the runs. */
  readonly workload?: string | undefined;
  /** How the costs were fitted. */
  readonly method: string;
  /** The profile whose values the unfitted fields keep. */
  readonly base?: string | undefined;
  /** The fields that were fitted; the others come from `base` (or were assumed). */
  readonly fitted: readonly CostField[];
  /** The runs; their count is the length of this list. */
  readonly runs: readonly ProfileRun[];
  /** Error figures of the fit. */
  readonly error: readonly DowntimeError[];
  /** Anything else a reader should know (limits of the fit). */
  readonly notes?: readonly string[] | undefined;
}

/** A parsed calibration profile. */
export interface CalibrationProfile {
  /** A note for people reading the file. */
  readonly $comment?: string | undefined;
  /** Always `ferry.calibration-profile/v1`. */
  readonly schema: 'ferry.calibration-profile/v1';
  /** The name it is loaded by (the file is `<name>.json`). */
  readonly name: string;
  /** What the profile is for, in one sentence. */
  readonly description: string;
  /** The costs (for the default restore mode, `pages-by-reference`). */
  readonly costs: ProfileCosts;
  /** Restore costs that replace those of `costs` for a restore mode. */
  readonly restoreModes?: { readonly [M in RestoreModeName]?: RestoreCosts | undefined } | undefined;
  /** Where the costs come from. */
  readonly provenance: Provenance;
}
