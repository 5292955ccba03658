/**
 * Fits the planner's cost terms to measured migrations, term by term, as the default profile was fitted
 * (docs/model.md, "Calibration"). Pure: plain data in, costs out.
 *
 * Every run gives one value per term (the median of its rounds), and the runs are combined robustly:
 * - freeze `f0 + P * fp + M / R`: each run's median checkpoint freeze (every round dumps all of M without
 *   dirty tracking) less `P * fp`, against M. A line through the runs by Theil-Sen: R is 1 / the median
 *   slope over the pairs of runs whose M differ by 10 % or more, f0 the median of `y - M / R`;
 * - delta `M / Δ`: Δ is the median over the runs of M / (the run's median delta), counting the rounds after
 *   the first (the first has no previous image to compare with);
 * - restore `s0 + P * sp + M / ρ` (per restore mode; the restored size is V instead of M with the
 *   `residual` scope): what each run's measured downtime leaves after the other terms of the switchover
 *   as the model computes them (freeze and delta as just fitted, the final round's bytes / B, the root fs
 *   diff / B, one RTT), less `P * sp`, against the restored size; the same Theil-Sen line. It therefore
 *   also takes up whatever the other terms miss (the send's fixed cost above one RTT, for instance).
 * Per-process costs, the restore scope and the fault size are never fitted (the engine passes P = 1): they
 * are the base profile's. When a rate cannot be fitted (all runs of about the same size, or a slope that is
 * not positive), the base's rate is kept and only the base time is fitted; a note says so.
 */
import { InvalidInput } from '../errors';
import {
  deriveParams,
  resolveInputs,
  switchover,
  type ModelParams,
  type ResolvedCosts,
  type SwitchoverBreakdown,
} from '../model';
import { bytesPerSecond, seconds, type Bytes, type BytesPerSecond, type Duration } from '../units';
import { resolvedProfileCosts } from './profile';
import {
  RESTORE_MODES,
  type CalibrationProfile,
  type CostField,
  type ProfileCosts,
  type RestoreCosts,
  type RestoreModeName,
} from './profile-types';

/** One measured migration, as the fit reads it (from its report). Seconds, bytes, bytes per second. */
export interface CalibrationRun {
  /** Migration id. */
  readonly id: string;
  /** The file it was read from. */
  readonly source?: string;
  /** What moved, for people (container, from -> to). */
  readonly description?: string;
  /** M: memory in the images. */
  readonly memory: Bytes;
  /** P: processes, as the planner was given them. */
  readonly processes: number;
  /** Measured RTT. */
  readonly rtt: Duration;
  /** B: the bandwidth the planner used. */
  readonly bandwidth: BytesPerSecond;
  /** F: the root file system diff the planner was given. */
  readonly rootfsDiff: Bytes;
  /** How the target restored. */
  readonly restoreMode: RestoreModeName;
  /** Pre-copy rounds before the final one. */
  readonly precopyRounds: number;
  /** Freeze of every checkpoint (rounds and final), each a full dump of M. */
  readonly freezes: readonly Duration[];
  /** Page delta of every round after the first (positive ones only). */
  readonly deltas: readonly Duration[];
  /** V: bytes the final round sent. */
  readonly finalSent: Bytes;
  /** Measured downtime. */
  readonly downtime: Duration;
  /** The downtime the plan predicted at the time, when there was a plan for the strategy used. */
  readonly planned: Duration | undefined;
}

/** What the fit found. */
export interface FitResult {
  /** The costs: fitted terms, and the base's for the others. */
  readonly costs: ProfileCosts;
  /** Restore costs per restore mode other than the default: fitted, or the base's. */
  readonly restoreModes: { readonly [M in RestoreModeName]?: RestoreCosts };
  /** The fields that were fitted. */
  readonly fitted: readonly CostField[];
  /** One line per term: what was fitted, from how many runs. */
  readonly terms: readonly string[];
  /** What could not be fitted, and what was kept instead. */
  readonly notes: readonly string[];
}

/** Pairs of runs whose sizes differ by less than this ratio give no slope. */
export const MIN_SIZE_RATIO = 1.1;

/** The median of `xs` (the mean of the two middle values for an even count); `undefined` when empty. */
export function median(xs: readonly number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1]! + s[m]!) / 2;
}

/** A point of a line fit: x a size in bytes, y a time in seconds. */
export interface Point {
  /** Bytes. */
  readonly x: number;
  /** Seconds. */
  readonly y: number;
}

/**
 * Theil-Sen slope: the median of `(y_j - y_i) / (x_j - x_i)` over the pairs whose x differ by the ratio
 * {@link MIN_SIZE_RATIO} or more (seconds per byte); `undefined` when no pair does.
 */
export function theilSenSlope(points: readonly Point[]): number | undefined {
  const slopes: number[] = [];
  for (let i = 0; i < points.length; i++)
    for (let j = i + 1; j < points.length; j++) {
      const a = points[i]!;
      const b = points[j]!;
      const lo = Math.min(a.x, b.x);
      if (lo > 0 && Math.max(a.x, b.x) / lo >= MIN_SIZE_RATIO) slopes.push((b.y - a.y) / (b.x - a.x));
    }
  return median(slopes);
}

/** A fitted `base + size / rate` term. */
interface LineFit {
  readonly base: Duration;
  readonly rate: BytesPerSecond;
  readonly rateFitted: boolean;
}

const gib = (r: number): string => `${(r / 1024 ** 3).toFixed(2)} GiB/s`;
const ms = (d: number): string => `${(d * 1000).toFixed(1)} ms`;

/** `y = base + x / rate` through `points`, keeping `fallback` as the rate when the slope cannot be used. */
function fitLine(points: readonly Point[], fallback: BytesPerSecond, term: string, notes: string[]): LineFit {
  const slope = theilSenSlope(points);
  const rateFitted = slope !== undefined && slope > 0 && Number.isFinite(1 / slope);
  if (!rateFitted)
    notes.push(
      slope === undefined
        ? `${term}: no two runs differ in size by ${Math.round((MIN_SIZE_RATIO - 1) * 100)} % or more, so its rate is the base's (${gib(fallback)}); only its base time was fitted`
        : `${term}: the times do not grow with the size (slope ${slope.toExponential(2)} s/B), so its rate is the base's (${gib(fallback)}); only its base time was fitted`,
    );
  const rate = rateFitted ? bytesPerSecond(1 / slope) : fallback;
  const raw = median(points.map((p) => p.y - p.x / rate))!;
  if (raw < 0) notes.push(`${term}: the fitted base time was ${ms(raw)}, below zero; it is 0`);
  return { base: seconds(Math.max(0, raw)), rate, rateFitted };
}

/** The model's parameters for a run's switchover with `costs`. */
export function runParams(run: CalibrationRun, costs: ResolvedCosts): ModelParams {
  return deriveParams(
    resolveInputs({
      container: {
        memory: run.memory,
        dirtyRate: bytesPerSecond(0),
        rootfsDiff: run.rootfsDiff,
        processes: run.processes,
      },
      link: { rtt: run.rtt, bandwidth: run.bandwidth, costs },
    }),
  );
}

/** The model's switchover of the final round the run actually sent, with `costs`. */
export function runSwitchover(run: CalibrationRun, costs: ResolvedCosts): SwitchoverBreakdown {
  return switchover(runParams(run, costs), 'copy', run.finalSent, run.precopyRounds);
}

/**
 * Fits the cost terms to `runs` (see the module's doc); `base` gives the terms that are not fitted.
 * @throws InvalidInput when there is no run.
 */
export function fitCosts(runs: readonly CalibrationRun[], base: CalibrationProfile): FitResult {
  if (runs.length === 0)
    throw new InvalidInput('runs', 0, 'at least one migration report with a plan and without dirty tracking');
  const b = base.costs;
  const notes: string[] = [];
  const terms: string[] = [];
  const fitted: CostField[] = [];

  const freezeRuns = runs.filter((r) => r.freezes.length > 0);
  const freeze = fitLine(
    freezeRuns.map((r) => ({ x: r.memory, y: median(r.freezes)! - r.processes * b.freezePerProcess })),
    b.dumpRate,
    'freeze',
    notes,
  );
  fitted.push('freezeBase');
  if (freeze.rateFitted) fitted.push('dumpRate');
  terms.push(
    `freeze: ${ms(freeze.base)} + P x ${ms(b.freezePerProcess)} + M / ${gib(freeze.rate)} (${freezeRuns.length} runs)`,
  );

  const deltaRuns = runs.filter((r) => r.deltas.length > 0);
  const deltaMedian = median(deltaRuns.map((r) => r.memory / median(r.deltas)!));
  const deltaRate = deltaMedian === undefined ? b.deltaRate : bytesPerSecond(deltaMedian);
  if (deltaMedian === undefined)
    notes.push(`delta: no run had a round after the first, so its rate is the base's (${gib(b.deltaRate)})`);
  else {
    fitted.push('deltaRate');
    terms.push(`delta: M / ${gib(deltaRate)} (${deltaRuns.length} runs)`);
  }

  const partial: ProfileCosts = { ...b, freezeBase: freeze.base, dumpRate: freeze.rate, deltaRate };
  let costs = partial;
  const restoreModes: { [M in RestoreModeName]?: RestoreCosts } = {};
  for (const mode of RESTORE_MODES) {
    const group = runs.filter((r) => r.restoreMode === mode);
    const before = resolvedProfileCosts({ ...base, costs: partial }, mode, false);
    const isDefault = mode === 'pages-by-reference';
    if (group.length === 0) {
      const kept = base.restoreModes?.[mode];
      if (kept !== undefined) restoreModes[mode] = kept;
      if (isDefault) notes.push(`restore (${mode}): no run used it, so its costs are the base's`);
      continue;
    }
    const points = group.map((r) => {
      const s = runSwitchover(r, before);
      return {
        x: s.restored,
        y: r.downtime - (s.downtime - s.restore) - r.processes * before.restorePerProcess,
      };
    });
    const fit = fitLine(points, before.restoreRate, `restore (${mode})`, notes);
    const line = { restoreBase: fit.base, ...(fit.rateFitted ? { restoreRate: fit.rate } : {}) };
    terms.push(
      `restore (${mode}): ${ms(fit.base)} + P x ${ms(before.restorePerProcess)} + ${b.restoreScope === 'full-image' ? 'M' : 'V'} / ${gib(fit.rate)} (${group.length} runs)`,
    );
    if (isDefault) {
      costs = { ...costs, ...line };
      fitted.push('restoreBase');
      if (fit.rateFitted) fitted.push('restoreRate');
    } else restoreModes[mode] = { ...(base.restoreModes?.[mode] ?? {}), ...line };
  }
  return { costs, restoreModes, fitted, terms, notes };
}
