/**
 * `npm run bench -- [--profile quick|redis|rtt|sweep|full] [--reps N] [--strategies a,b] [--out DIR] [--dry-run]`:
 * runs the benchmark on the running test bed and writes `<out>/<date>.json` (every run), `<out>/<date>.md`
 * (summary, headline ratios) and `<out>/<date>-*.svg` (charts). `--report FILE.json` re-renders the summary
 * and charts of an existing results file. `npm run bench` (bench/run.sh) first sets up the host, brings the
 * test bed up and loads the Redis image; run directly, the test bed must be up (`bin/ferry testbed up`).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { InvalidInput } from '../provider/errors';
import { estimateProfileSeconds, linkKey, PROFILES, runOrder, workloadKey, type Profile } from './matrix';
import { charts } from './report/charts';
import { headlineBlock, resultsToMarkdown, summaryTable } from './report/markdown';
import { runBench } from './runner';
import { STRATEGIES } from './strategies';
import { STRATEGY_NAMES, type BenchResults, type RunRecord, type StrategyName } from './types';

/** `2026-11-22-023600` (UTC) for file names. */
export const stamp = (d: Date): string =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace('T', '-')
    .slice(0, 15)
    .replace(/^(\d{4})(\d{2})(\d{2})/, '$1-$2-$3');

/** Writes the JSON, the Markdown summary and the charts of `res` next to each other; returns the .md path. */
export function writeResults(res: BenchResults, jsonPath: string): string {
  fs.mkdirSync(path.dirname(jsonPath), { recursive: true });
  fs.writeFileSync(jsonPath, `${JSON.stringify(res, null, 2)}\n`);
  const base = jsonPath.replace(/\.json$/, '');
  const cs = charts(res.runs).map((c) => ({ ...c, file: `${path.basename(base)}-${c.file}` }));
  for (const c of cs) fs.writeFileSync(path.join(path.dirname(jsonPath), c.file), c.svg);
  fs.writeFileSync(`${base}.md`, resultsToMarkdown(res, cs));
  return `${base}.md`;
}

/** A digest of the .ts files under `dirs` (relative to the repository root): which engine was measured. */
export function sourceDigest(dirs: readonly string[]): string {
  const h = createHash('sha256');
  const root = path.join(__dirname, '..');
  for (const d of dirs)
    for (const f of fs
      .readdirSync(path.join(root, d))
      .filter((x) => x.endsWith('.ts'))
      .sort())
      h.update(f).update(fs.readFileSync(path.join(root, d, f)));
  return h.digest('hex').slice(0, 16);
}

function gitHead(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: __dirname, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      profile: { type: 'string', default: 'quick' },
      reps: { type: 'string' },
      strategies: { type: 'string' },
      links: { type: 'string' },
      workloads: { type: 'string' },
      out: { type: 'string', default: path.join(__dirname, 'results') },
      'dry-run': { type: 'boolean' },
      report: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(
      'usage: npm run bench -- [--profile quick|full] [--reps N] [--strategies hand-made,p.haul,lxd,ferry] [--links 50ms-100mbit,...] [--workloads dirtier-64MiB-10%,redis-64MiB,...] [--out DIR] [--dry-run] [--report results.json]\n',
    );
    return 0;
  }
  if (values.report !== undefined) {
    const res = JSON.parse(fs.readFileSync(values.report, 'utf8')) as BenchResults;
    process.stdout.write(`${writeResults(res, values.report)}\n`);
    return 0;
  }
  const base = PROFILES[values.profile];
  if (base === undefined)
    throw new InvalidInput('--profile', values.profile, Object.keys(PROFILES).join(' or '));
  const strategies = (values.strategies?.split(',') ?? [...base.strategies]) as StrategyName[];
  for (const s of strategies)
    if (!STRATEGY_NAMES.includes(s)) throw new InvalidInput('--strategies', s, STRATEGY_NAMES.join(', '));
  const reps = values.reps === undefined ? base.reps : Number(values.reps);
  const wanted = values.links?.split(',');
  const links = wanted === undefined ? base.links : base.links.filter((l) => wanted.includes(linkKey(l)));
  const wantedW = values.workloads?.split(',');
  const workloads =
    wantedW === undefined ? base.workloads : base.workloads.filter((w) => wantedW.includes(workloadKey(w)));
  const profile: Profile = { ...base, strategies, reps, links, workloads };
  const minReps = Math.min(3, reps);
  const order = runOrder(profile, minReps);
  process.stderr.write(
    `profile ${profile.name}: ${order.length} runs, estimated ${(estimateProfileSeconds(profile, minReps) / 60).toFixed(0)} min${reps < 3 ? ' (fewer than 3 repetitions: not a valid benchmark)' : ''}\n`,
  );
  if (values['dry-run']) {
    for (const r of order)
      process.stdout.write(
        `${r.seq}\t${r.strategy}\trep ${r.rep}\t${r.cell.link.rttMs}ms/${r.cell.link.mbit}mbit\t${JSON.stringify(r.cell.workload)}\n`,
      );
    return 0;
  }
  const started = new Date();
  const jsonPath = path.join(values.out, `${stamp(started)}.json`);
  const notes = [
    `engine sources (provider/engine, provider/model) sha256 ${sourceDigest(['provider/engine', 'provider/model'])}, git HEAD ${gitHead()} (plus uncommitted changes, if any)`,
    `host: ${process.platform} ${process.arch}, node ${process.version}, load ${(await import('node:os'))
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  ];
  const result = (runs: readonly RunRecord[]): BenchResults => ({
    schema: 'ferry-bench/1',
    profile: profile.name,
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    reps,
    runs,
    notes,
  });
  let stop = false;
  process.on('SIGINT', () => {
    if (stop) process.exit(130);
    stop = true;
    process.stderr.write(
      'SIGINT: finishing the current run, then writing the results (again to abort at once)\n',
    );
  });
  const runs = await runBench(profile, {
    shouldStop: () => stop,
    strategies: STRATEGIES,
    minReps,
    log: (l) => process.stderr.write(`${l}\n`),
    onRun: (rs) => {
      fs.mkdirSync(values.out, { recursive: true });
      fs.writeFileSync(jsonPath, `${JSON.stringify(result(rs), null, 2)}\n`);
    },
  });
  const res = result(runs);
  const md = writeResults(res, jsonPath);
  process.stdout.write(`${summaryTable(res)}\n\n${headlineBlock(res)}\n\nwrote ${jsonPath} and ${md}\n`);
  return 0;
}

if (require.main === module)
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
