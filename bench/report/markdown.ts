/**
 * The Markdown summary of a results file (pure): the per-cell table of medians, failure counts, the headline
 * ratios and the planner's prediction error.
 */
import { counted, headline, summarize, type ErrorStats } from '../stats';
import { INTERFERENCE, type BenchResults } from '../types';
import type { Chart } from './charts';

const s = (x: number | undefined): string => (x === undefined ? 'n/a' : x.toFixed(2));
const mb = (x: number | undefined): string => (x === undefined ? 'n/a' : (x / 1048576).toFixed(1));
const r = (x: number | undefined): string => (x === undefined ? 'n/a' : x.toFixed(2));
const pct = (x: number | undefined): string =>
  x === undefined ? 'n/a' : `${x >= 0 ? '+' : ''}${x.toFixed(0)} %`;
const err = (e: ErrorStats): string =>
  e.n === 0
    ? 'no data'
    : `median |error| ${e.medianAbsPct === undefined ? 'n/a' : `${e.medianAbsPct.toFixed(0)} %`}, worst ${pct(e.worstPct)} (n = ${e.n})`;

/** The summary table only (medians per cell and strategy). */
export function summaryTable(res: BenchResults): string {
  const rows = summarize(res.runs);
  return [
    '| cell | strategy | ok/runs | downtime s | total s | MiB on wire | rounds | predicted downtime s | predicted total s |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (x) =>
        `| ${x.cellKey} | ${x.strategy} | ${x.runs - x.failed}/${x.runs} | ${s(x.downtimeS)} | ${s(x.totalS)} | ${mb(x.bytesOnWire)} | ${x.rounds === undefined ? 'n/a' : x.rounds.toString()} | ${s(x.predictedDowntimeS)} | ${s(x.predictedTotalS)} |`,
    ),
  ].join('\n');
}

/** The headline block (ratios below 1 mean Ferry is better). */
export function headlineBlock(res: BenchResults): string {
  const h = headline(res.runs);
  const lines = [
    `- Ferry / hand-made stop-and-copy (median over cells): downtime **${r(h.medianVsHandMade.downtime)}**, total time **${r(h.medianVsHandMade.total)}**`,
    `- Ferry / best fixed-rule baseline (p.haul or LXD, the better per cell and metric): downtime **${r(h.medianVsBestFixedRule.downtime)}**, total time **${r(h.medianVsBestFixedRule.total)}**`,
    `- Planner prediction error, downtime: ${err(h.predictionError.downtime)}`,
    `- Planner prediction error, total time: ${err(h.predictionError.total)}`,
    '',
    '| cell | Ferry/hand-made downtime | Ferry/hand-made total | Ferry/best-fixed downtime (vs) | Ferry/best-fixed total (vs) |',
    '|---|---|---|---|---|',
  ];
  const keys = [...new Set([...h.vsHandMade, ...h.vsBestFixedRule].map((x) => x.cellKey))];
  for (const k of keys) {
    const a = h.vsHandMade.find((x) => x.cellKey === k);
    const b = h.vsBestFixedRule.find((x) => x.cellKey === k);
    lines.push(
      `| ${k} | ${r(a?.downtime)} | ${r(a?.total)} | ${r(b?.downtime)} (${b?.against.downtime ?? '-'}) | ${r(b?.total)} (${b?.against.total ?? '-'}) |`,
    );
  }
  return lines.join('\n');
}

/** A warning line for (cell, strategy) pairs with fewer successful counted runs than the profile's repetitions. */
function thin(res: BenchResults): string[] {
  const few = summarize(res.runs).filter((x) => x.runs - x.failed < res.reps);
  return few.length === 0
    ? []
    : [
        '',
        `Fewer than ${res.reps} successful runs: ${few.map((x) => `${x.cellKey} ${x.strategy} (${x.runs - x.failed})`).join(', ')}.`,
      ];
}

/** The whole summary document. */
export function resultsToMarkdown(res: BenchResults, chartFiles: readonly Chart[] = []): string {
  const excluded = res.runs.filter((x) => x.failure === INTERFERENCE);
  const failed = counted(res.runs).filter((x) => !x.ok);
  const byKind = new Map<string, number>();
  for (const f of failed)
    byKind.set(
      `${f.strategy}: ${f.failure ?? 'other'}`,
      (byKind.get(`${f.strategy}: ${f.failure ?? 'other'}`) ?? 0) + 1,
    );
  const broken = res.runs.filter((x) => x.ok && (x.counterContinuous === false || x.verifyOk === false));
  const out = [
    `# Ferry benchmark, profile \`${res.profile}\``,
    '',
    `${res.startedAt} to ${res.finishedAt}; ${res.runs.length} runs, ${res.reps} repetitions per cell and strategy, medians over successful runs.`,
    "Downtime is the longest gap between the workload's own ticks over the source and the target logs (not the tools' timers); total time runs from the strategy's first action to the container running on the target.",
    '',
    '## Headline',
    '',
    headlineBlock(res),
    '',
    '## Medians per cell',
    '',
    summaryTable(res),
    ...thin(res),
    '',
    '## Failures',
    '',
    failed.length === 0 ? 'None.' : [...byKind].map(([k, n]) => `- ${k}: ${n}`).join('\n'),
    ...failed.map((f) => `  - #${f.seq} ${f.cellKey} ${f.strategy} rep ${f.rep}: ${f.error ?? ''}`),
    '',
    excluded.length === 0
      ? 'No run was disturbed by another user of the test bed.'
      : `Excluded and repeated: ${excluded.length} run(s) during which another user of the shared test bed cut or changed the link:`,
    ...excluded.map((f) => `  - #${f.seq} ${f.cellKey} ${f.strategy} rep ${f.rep}: ${f.error ?? ''}`),
    '',
    broken.length === 0
      ? 'Every successful run kept its counter continuous and its memory verified.'
      : `State problems in successful runs: ${broken.map((b) => `#${b.seq} ${b.strategy} (counter ${b.counterContinuous === false ? 'broken' : 'ok'}, verify ${b.verifyOk === false ? 'FAIL' : 'ok'})`).join(', ')}`,
  ];
  if (chartFiles.length > 0)
    out.push('', '## Charts', '', ...chartFiles.map((c) => `![${c.file}](${c.file})`));
  if (res.notes.length > 0) out.push('', '## Notes', '', ...res.notes.map((n) => `- ${n}`));
  return `${out.join('\n')}\n`;
}
