/**
 * The fault campaign (I/O): brings the bed up with the wanted link, runs the planned trials one after the
 * other, prints one line per trial with its details and the summary, and puts the link back as it was.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bytesPerSecond, formatBandwidth, formatDuration, seconds } from '../../provider/units';
import { setLink } from '../link';
import { tryRun } from '../exec';
import { loadTestbed } from '../load';
import { PACKAGE_ROOT } from '../node-entry';
import type { CampaignOptions } from './args';
import { repairBed } from './bed';
import { waitForQuietBed } from './bed-users';
import { planCampaign, planTrial, type CampaignShape } from './plan';
import {
  formatSummary,
  summarize,
  trialDetails,
  trialLine,
  type RerunShape,
  type TrialResult,
} from './summary';
import { runTrial } from './trial';

/** Time limit of each `ferry` child, ms: a hung controller is killed and reported after it. */
export const CHILD_LIMIT_MS = 240_000;

/** How long to wait for other users of the bed (an integration test run) before a trial, ms. */
export const BED_WAIT_MS = 30 * 60_000;

const out = (line: string): void => void process.stdout.write(`${line}\n`);
const err = (line: string): void => void process.stderr.write(`${line}\n`);

/** The checkout the `ferry` children run: commit, and how many files under provider/ differ from it. */
async function engineVersion(): Promise<string> {
  const head = await tryRun(['git', '-C', PACKAGE_ROOT, 'rev-parse', '--short', 'HEAD']).catch(
    () => undefined,
  );
  const dirty = await tryRun(['git', '-C', PACKAGE_ROOT, 'status', '--porcelain', '--', 'provider']).catch(
    () => undefined,
  );
  if (head?.code !== 0) return 'not a git checkout';
  const n = dirty?.stdout.split('\n').filter((l) => l.trim() !== '').length ?? 0;
  return `git ${head.stdout.trim()}${n > 0 ? ` + ${n} uncommitted file(s) under provider/` : ''}`;
}

/** Runs a campaign; resolves the exit code (0 clean, 1 violations, 2 the campaign itself failed). */
export async function runCampaign(o: CampaignOptions): Promise<number> {
  const started = Date.now();
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const outDir = path.resolve(o.out ?? path.join('/tmp', 'ferry-faults', `${o.seed}-${stamp}`));
  fs.mkdirSync(outDir, { recursive: true });
  const shape: CampaignShape = { seed: o.seed, trials: o.trials, families: o.families };
  const rerun: RerunShape = {
    seed: o.seed,
    trials: o.trials,
    ...(o.faultsText !== undefined ? { faults: o.faultsText } : {}),
    mib: o.mib,
    rtt: o.rttText,
    bandwidth: o.bandwidthText,
  };
  const plans = o.onlyTrial !== undefined ? [planTrial(shape, o.onlyTrial)] : planCampaign(shape);
  out(
    `fault campaign: seed=${o.seed} trials=${o.trials}${o.onlyTrial !== undefined ? ` (only trial ${o.onlyTrial})` : ''} ` +
      `faults=${o.families.join(',')} mib=${o.mib} link ${formatDuration(o.rtt)} / ${formatBandwidth(o.bandwidth)}; files in ${outDir}`,
  );
  out(`engine: ${await engineVersion()}`);
  if (fs.existsSync(path.join(PACKAGE_ROOT, 'dist', 'provider', 'cli', 'main.js')))
    out(
      'note: dist/ is built, so bin/ferry runs the compiled engine, not the sources (npm run build after changes)',
    );
  let previous: { rtt: number; bandwidth: number } | undefined;
  try {
    const l = loadTestbed().state.links.find((x) => x.id === 'cluster-a<->cluster-b');
    if (l !== undefined) previous = { rtt: l.rttSeconds, bandwidth: l.bandwidthBytesPerSecond };
  } catch {
    previous = undefined; // no bed yet: repairBed brings one up
  }
  const link = { rtt: o.rtt, bandwidth: o.bandwidth };
  let stopping = false;
  const onInt = (): void => {
    if (stopping) process.exit(130);
    stopping = true;
    err('faults: interrupted: stopping after this trial (again to quit at once)');
  };
  process.on('SIGINT', onInt);
  const results: TrialResult[] = [];
  try {
    await waitForQuietBed(err, BED_WAIT_MS);
    await repairBed(link, true, (l) => err(l));
    for (const plan of plans) {
      if (stopping) break;
      const busy = await waitForQuietBed(err, BED_WAIT_MS);
      err(`faults: trial ${plan.index}/${o.trials} starting (${plan.name})`);
      const r0 = await runTrial(plan, {
        mib: o.mib,
        link,
        outDir,
        childLimitMs: CHILD_LIMIT_MS,
        say: (l) => err(`  ${l}`),
      });
      const r: TrialResult =
        busy.length > 0
          ? { ...r0, notes: [...r0.notes, `the bed was in use by others: ${busy.join('; ')}`] }
          : r0;
      results.push(r);
      out(trialLine(r, o.trials, o.seed));
      for (const d of trialDetails(r)) out(d);
    }
  } finally {
    process.off('SIGINT', onInt);
    if (previous !== undefined)
      await setLink('cluster-a', 'cluster-b', {
        rtt: seconds(previous.rtt),
        bandwidth: bytesPerSecond(previous.bandwidth),
      }).catch((e: unknown) => err(`faults: could not put the link back: ${(e as Error).message}`));
  }
  const s = summarize(results);
  out('');
  for (const l of formatSummary(s, rerun, (Date.now() - started) / 1000)) out(l);
  fs.writeFileSync(
    path.join(outDir, 'summary.json'),
    `${JSON.stringify({ summary: s, results }, null, 2)}\n`,
  );
  return s.violations > 0 ? 1 : s.harnessErrors.length > 0 ? 2 : 0;
}
