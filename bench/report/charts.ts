/**
 * The benchmark's charts (pure): downtime and total time per strategy across RTT and across dirty rate
 * (medians), and the planner's predictions against measurements (every successful Ferry run).
 */
import { linkKey, workloadKey } from '../matrix';
import { summarize, type CellStrategySummary } from '../stats';
import { STRATEGY_NAMES, type RunRecord, type StrategyName } from '../types';
import { svgDocument, type Panel } from './svg';

/** A chart file: its name (without directory) and its SVG text. */
export interface Chart {
  /** File name, e.g. `downtime-by-rtt.svg`. */
  readonly file: string;
  /** SVG document. */
  readonly svg: string;
}

type Metric = 'downtimeS' | 'totalS';
const METRIC_LABEL: Record<Metric, string> = { downtimeS: 'downtime (s)', totalS: 'total time (s)' };

const strategiesIn = (rows: readonly CellStrategySummary[]): StrategyName[] =>
  STRATEGY_NAMES.filter((s) => rows.some((r) => r.strategy === s));

function panelsByRtt(rows: readonly CellStrategySummary[], metric: Metric): Panel[] {
  const facets = new Map<string, CellStrategySummary[]>();
  for (const r of rows) {
    const key = `${workloadKey(r.cell.workload)}, ${r.cell.link.mbit} Mbit/s`;
    facets.set(key, [...(facets.get(key) ?? []), r]);
  }
  return [...facets].map(([title, fr]) => {
    const rtts = [...new Set(fr.map((r) => r.cell.link.rttMs))].sort((a, b) => a - b);
    return {
      kind: 'bars',
      title: `${METRIC_LABEL[metric]}: ${title}, across RTT`,
      yLabel: METRIC_LABEL[metric],
      categories: rtts.map((t) => `RTT ${t} ms`),
      series: strategiesIn(fr).map((s) => ({
        name: s,
        values: rtts.map((t) => fr.find((r) => r.strategy === s && r.cell.link.rttMs === t)?.[metric]),
      })),
    };
  });
}

function panelsByDirty(rows: readonly CellStrategySummary[], metric: Metric): Panel[] {
  const facets = new Map<string, CellStrategySummary[]>();
  for (const r of rows) {
    if (r.cell.workload.kind !== 'dirtier') continue;
    const key = `dirtier ${r.cell.workload.mib} MiB @ ${linkKey(r.cell.link)}`;
    facets.set(key, [...(facets.get(key) ?? []), r]);
  }
  const frac = (r: CellStrategySummary): number =>
    r.cell.workload.kind === 'dirtier' ? r.cell.workload.dirtyFraction : 0;
  return [...facets].map(([title, fr]) => {
    const fs = [...new Set(fr.map(frac))].sort((a, b) => a - b);
    return {
      kind: 'bars',
      title: `${METRIC_LABEL[metric]}: ${title}, across dirty rate`,
      yLabel: METRIC_LABEL[metric],
      categories: fs.map((f) => (f === 0 ? 'idle' : `dirty ${Math.round(f * 100)} % of link`)),
      series: strategiesIn(fr).map((s) => ({
        name: s,
        values: fs.map((f) => fr.find((r) => r.strategy === s && frac(r) === f)?.[metric]),
      })),
    };
  });
}

/** Every chart of a run set. */
export function charts(runs: readonly RunRecord[]): Chart[] {
  const rows = summarize(runs);
  const out: Chart[] = [];
  for (const metric of ['downtimeS', 'totalS'] as const) {
    const name = metric === 'downtimeS' ? 'downtime' : 'total';
    out.push({
      file: `${name}-by-rtt.svg`,
      svg: svgDocument(`Median ${METRIC_LABEL[metric]} per strategy across RTT`, panelsByRtt(rows, metric)),
    });
    out.push({
      file: `${name}-by-dirty-rate.svg`,
      svg: svgDocument(
        `Median ${METRIC_LABEL[metric]} per strategy across dirty rate`,
        panelsByDirty(rows, metric),
      ),
    });
  }
  const ferry = runs.filter((r) => r.strategy === 'ferry' && r.ok && r.predicted !== undefined);
  const pts = (
    f: (r: RunRecord) => [number | undefined, number | undefined],
  ): { x: number; y: number; label: string }[] =>
    ferry.flatMap((r) => {
      const [x, y] = f(r);
      return x === undefined || y === undefined ? [] : [{ x, y, label: `${r.cellKey} #${r.rep}` }];
    });
  out.push({
    file: 'predicted-vs-measured.svg',
    svg: svgDocument("Ferry's planner: predicted vs measured (dashed: exact)", [
      {
        kind: 'scatter',
        title: 'downtime',
        unit: 's',
        points: pts((r) => [r.predicted?.downtimeS, r.downtimeS]),
      },
      {
        kind: 'scatter',
        title: 'total time (from the plan to the target running)',
        unit: 's',
        points: pts((r) => [r.predicted?.totalS, r.measuredFromPlanS ?? r.totalS]),
      },
    ]),
  });
  return out;
}
