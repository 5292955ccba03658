/**
 * Statistics of the benchmark (pure): medians per (cell, strategy), headline ratios and the planner's
 * prediction error. Failed runs never enter a median; they are counted.
 */
import { INTERFERENCE, STRATEGY_NAMES, type Cell, type RunRecord, type StrategyName } from './types';

/** Median of numbers (mean of the two middle values for an even count); `undefined` for none. */
export function median(xs: readonly number[]): number | undefined {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return undefined;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1]! + s[mid]!) / 2;
}

/** Medians of one (cell, strategy) over its successful runs. */
export interface CellStrategySummary {
  /** Cell key. */
  readonly cellKey: string;
  /** The cell. */
  readonly cell: Cell;
  /** The strategy. */
  readonly strategy: StrategyName;
  /** Runs attempted. */
  readonly runs: number;
  /** Runs that failed. */
  readonly failed: number;
  /** Median downtime seen by the workload, seconds. */
  readonly downtimeS: number | undefined;
  /** Median total time, seconds. */
  readonly totalS: number | undefined;
  /** Median bytes on the wire. */
  readonly bytesOnWire: number | undefined;
  /** Median pre-copy rounds. */
  readonly rounds: number | undefined;
  /** Median predicted downtime, seconds (runs with a prediction). */
  readonly predictedDowntimeS: number | undefined;
  /** Median predicted total time, seconds. */
  readonly predictedTotalS: number | undefined;
}

/** The runs that count: all but those disturbed by another user of the bed. */
export const counted = (runs: readonly RunRecord[]): RunRecord[] =>
  runs.filter((r) => r.failure !== INTERFERENCE);

/**
 * Groups runs by (cell, strategy) and takes medians; keeps first-seen cell order, strategies in issue order.
 * Runs disturbed by another user of the bed are left out (see {@link counted}).
 */
export function summarize(all: readonly RunRecord[]): CellStrategySummary[] {
  const runs = counted(all);
  const cells = new Map<string, Cell>();
  for (const r of runs) if (!cells.has(r.cellKey)) cells.set(r.cellKey, r.cell);
  const out: CellStrategySummary[] = [];
  for (const [key, cell] of cells)
    for (const strategy of STRATEGY_NAMES) {
      const all = runs.filter((r) => r.cellKey === key && r.strategy === strategy);
      if (all.length === 0) continue;
      const ok = all.filter((r) => r.ok);
      const pick = (f: (r: RunRecord) => number | undefined): number | undefined =>
        median(ok.map(f).filter((x): x is number => x !== undefined));
      out.push({
        cellKey: key,
        cell,
        strategy,
        runs: all.length,
        failed: all.length - ok.length,
        downtimeS: pick((r) => r.downtimeS),
        totalS: pick((r) => r.totalS),
        bytesOnWire: pick((r) => r.bytesOnWire),
        rounds: pick((r) => r.rounds),
        predictedDowntimeS: pick((r) => r.predicted?.downtimeS),
        predictedTotalS: pick((r) => r.predicted?.totalS),
      });
    }
  return out;
}

/** A ratio of Ferry's median to a baseline's median in one cell (below 1: Ferry is better). */
export interface CellRatio {
  /** Cell key. */
  readonly cellKey: string;
  /** Ferry / baseline for downtime. */
  readonly downtime: number | undefined;
  /** Ferry / baseline for total time. */
  readonly total: number | undefined;
  /** The baseline compared against, per metric (`p.haul` or `lxd` for the best fixed rule). */
  readonly against: { readonly downtime: StrategyName | undefined; readonly total: StrategyName | undefined };
}

/** Headline figures of a run set. */
export interface Headline {
  /** Ferry / hand-made stop-and-copy, per cell. */
  readonly vsHandMade: readonly CellRatio[];
  /** Ferry / the better of p.haul and LXD (chosen per cell and per metric), per cell. */
  readonly vsBestFixedRule: readonly CellRatio[];
  /** Median over cells of the per-cell ratios. */
  readonly medianVsHandMade: { readonly downtime: number | undefined; readonly total: number | undefined };
  /** Median over cells of the per-cell ratios. */
  readonly medianVsBestFixedRule: {
    readonly downtime: number | undefined;
    readonly total: number | undefined;
  };
  /** The planner's prediction error over Ferry's successful runs, percent. */
  readonly predictionError: {
    /** Downtime: median of |error| and the worst signed error (largest |error|), percent. */
    readonly downtime: ErrorStats;
    /** Total time: same. */
    readonly total: ErrorStats;
  };
}

/** Error statistics in percent. */
export interface ErrorStats {
  /** Runs compared. */
  readonly n: number;
  /** Median of |predicted - measured| / measured x 100. */
  readonly medianAbsPct: number | undefined;
  /** The signed error with the largest magnitude (positive: over-predicted). */
  readonly worstPct: number | undefined;
}

/** Signed prediction error in percent: (predicted - measured) / measured x 100 (`undefined` if measured <= 0). */
export function errorPct(predicted: number, measured: number): number | undefined {
  if (!(measured > 0) || !Number.isFinite(predicted)) return undefined;
  return ((predicted - measured) / measured) * 100;
}

/** Median |error| and worst signed error over pairs (predicted, measured). */
export function errorStats(pairs: readonly (readonly [number, number])[]): ErrorStats {
  const errs = pairs.map(([p, m]) => errorPct(p, m)).filter((x): x is number => x !== undefined);
  let worst: number | undefined;
  for (const e of errs) if (worst === undefined || Math.abs(e) > Math.abs(worst)) worst = e;
  return { n: errs.length, medianAbsPct: median(errs.map(Math.abs)), worstPct: worst };
}

const ratio = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined || b === undefined || !(b > 0) ? undefined : a / b;

const betterOf = (
  rows: readonly CellStrategySummary[],
  metric: (r: CellStrategySummary) => number | undefined,
): CellStrategySummary | undefined => {
  let best: CellStrategySummary | undefined;
  for (const r of rows) {
    const v = metric(r);
    if (v === undefined) continue;
    const b = best === undefined ? undefined : metric(best);
    if (b === undefined || v < b) best = r;
  }
  return best;
};

/** The headline ratios and prediction errors (see {@link Headline}). */
export function headline(runs: readonly RunRecord[]): Headline {
  const sums = summarize(runs);
  const keys = [...new Set(sums.map((s) => s.cellKey))];
  const vsHandMade: CellRatio[] = [];
  const vsBest: CellRatio[] = [];
  for (const key of keys) {
    const rows = sums.filter((s) => s.cellKey === key);
    const ferry = rows.find((r) => r.strategy === 'ferry');
    if (ferry === undefined) continue;
    const hand = rows.find((r) => r.strategy === 'hand-made');
    if (hand !== undefined)
      vsHandMade.push({
        cellKey: key,
        downtime: ratio(ferry.downtimeS, hand.downtimeS),
        total: ratio(ferry.totalS, hand.totalS),
        against: { downtime: 'hand-made', total: 'hand-made' },
      });
    const fixed = rows.filter((r) => r.strategy === 'p.haul' || r.strategy === 'lxd');
    const bd = betterOf(fixed, (r) => r.downtimeS);
    const bt = betterOf(fixed, (r) => r.totalS);
    if (bd !== undefined || bt !== undefined)
      vsBest.push({
        cellKey: key,
        downtime: ratio(ferry.downtimeS, bd?.downtimeS),
        total: ratio(ferry.totalS, bt?.totalS),
        against: { downtime: bd?.strategy, total: bt?.strategy },
      });
  }
  const med = (rs: readonly CellRatio[], f: (r: CellRatio) => number | undefined): number | undefined =>
    median(rs.map(f).filter((x): x is number => x !== undefined));
  const ferryOk = counted(runs).filter((r) => r.strategy === 'ferry' && r.ok && r.predicted !== undefined);
  const pairs = (f: (r: RunRecord) => [number | undefined, number | undefined]): [number, number][] =>
    ferryOk.map(f).filter((x): x is [number, number] => x[0] !== undefined && x[1] !== undefined);
  return {
    vsHandMade,
    vsBestFixedRule: vsBest,
    medianVsHandMade: {
      downtime: med(vsHandMade, (r) => r.downtime),
      total: med(vsHandMade, (r) => r.total),
    },
    medianVsBestFixedRule: { downtime: med(vsBest, (r) => r.downtime), total: med(vsBest, (r) => r.total) },
    predictionError: {
      downtime: errorStats(pairs((r) => [r.predicted?.downtimeS, r.downtimeS])),
      total: errorStats(pairs((r) => [r.predicted?.totalS, r.measuredFromPlanS ?? r.totalS])),
    },
  };
}
