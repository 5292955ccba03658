/**
 * Predicted beside measured downtime for the runs of a fit, before and after it, and the error figures a
 * profile records. The prediction is the model's switchover of the final round each run actually sent: the
 * cost terms alone, without the error of the predicted residual (which depends on the dirty rate). Pure.
 */
import { formatBytes, formatDuration, type Bytes, type Duration } from '../units';
import { runSwitchover, median, type CalibrationRun } from './fit';
import { resolvedProfileCosts } from './profile';
import type { CalibrationProfile, DowntimeError } from './profile-types';

/** What {@link DowntimeError.measure} says of these figures. */
export const SWITCHOVER_MEASURE =
  'switchover of the final round each run actually sent (the cost terms alone)';

/** One run, measured and predicted; seconds and bytes. */
export interface DowntimeRow {
  /** Migration id. */
  readonly id: string;
  /** M. */
  readonly memory: Bytes;
  /** Pre-copy rounds before the final one. */
  readonly precopyRounds: number;
  /** V, the final round's bytes. */
  readonly finalSent: Bytes;
  /** Measured downtime. */
  readonly measured: Duration;
  /** What the plan predicted at the time, if known. */
  readonly planned: Duration | undefined;
  /** Predicted with the costs before the fit. */
  readonly before: Duration;
  /** Predicted with the fitted costs. */
  readonly after: Duration;
}

/** The switchover downtime of `run` with a profile's costs for the run's restore mode. */
export function predictDowntime(run: CalibrationRun, profile: CalibrationProfile): Duration {
  return runSwitchover(run, resolvedProfileCosts(profile, run.restoreMode, false)).downtime;
}

/** A row per run, predicted with `before` and `after`. */
export function downtimeRows(
  runs: readonly CalibrationRun[],
  before: CalibrationProfile,
  after: CalibrationProfile,
): DowntimeRow[] {
  return runs.map((r) => ({
    id: r.id,
    memory: r.memory,
    precopyRounds: r.precopyRounds,
    finalSent: r.finalSent,
    measured: r.downtime,
    planned: r.planned,
    before: predictDowntime(r, before),
    after: predictDowntime(r, after),
  }));
}

/** Relative error of a prediction, as a fraction (`predicted / measured - 1`; 0 when both are 0). */
export function relativeError(predicted: number, measured: number): number {
  if (measured === 0) return predicted === 0 ? 0 : Infinity;
  return predicted / measured - 1;
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

/** Median and largest |error| of the `before` or `after` predictions of `rows`, in percent (one decimal). */
export function errorFigures(
  rows: readonly DowntimeRow[],
  which: 'before' | 'after',
): { readonly medianAbsPercent: number; readonly maxAbsPercent: number } {
  const errors = rows.map((r) => Math.abs(relativeError(r[which], r.measured)) * 100);
  return { medianAbsPercent: round1(median(errors) ?? 0), maxAbsPercent: round1(Math.max(0, ...errors)) };
}

/** The error record of a fit, for the profile's provenance. */
export function switchoverError(rows: readonly DowntimeRow[], beforeName: string): DowntimeError {
  return {
    measure: SWITCHOVER_MEASURE,
    runs: rows.length,
    ...errorFigures(rows, 'after'),
    before: { costs: beforeName, ...errorFigures(rows, 'before') },
  };
}

const pct = (predicted: number, measured: number): string => {
  const e = relativeError(predicted, measured) * 100;
  return Number.isFinite(e) ? `${e >= 0 ? '+' : ''}${e.toFixed(0)} %` : 'n/a';
};

/** The rows as a Markdown table, with the error figures below it. */
export function downtimeTable(rows: readonly DowntimeRow[], beforeName: string, afterName: string): string {
  const lines = [
    `| run | M | rounds | final round | measured | planned then | before (${beforeName}) | after (${afterName}) |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.id} | ${formatBytes(r.memory)} | ${r.precopyRounds} | ${formatBytes(r.finalSent)} | ${formatDuration(r.measured)} | ${r.planned === undefined ? 'n/a' : formatDuration(r.planned)} | ${formatDuration(r.before)} (${pct(r.before, r.measured)}) | ${formatDuration(r.after)} (${pct(r.after, r.measured)}) |`,
    ),
  ];
  const b = errorFigures(rows, 'before');
  const a = errorFigures(rows, 'after');
  lines.push(
    '',
    `Predicted: the ${SWITCHOVER_MEASURE}. Median |error| ${b.medianAbsPercent} % before, ${a.medianAbsPercent} % after; largest ${b.maxAbsPercent} % before, ${a.maxAbsPercent} % after (${rows.length} runs).`,
  );
  return `${lines.join('\n')}\n`;
}
