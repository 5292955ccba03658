/**
 * A trial's result as one line (plus its details), and the campaign's summary (pure): trials, violations,
 * per fault kind, outcomes, the seed, and the exact command that re-runs one trial.
 */
import { faultKind, faultLabel, type TrialPlan } from './plan';
import type { Violation } from './violations';

/** What a trial found. */
export interface TrialResult {
  /** Its plan. */
  readonly plan: TrialPlan;
  /** Where and when the fault struck (`undefined`: it did not, e.g. the controller ended before the trigger). */
  readonly injected?: { readonly atMs: number; readonly journalState?: string; readonly what: string };
  /** Final journal states (see `outcomeOf`), e.g. `rolled-back`, `done+no-journal`. */
  readonly outcome: string;
  /** Most live copies seen at any sample. */
  readonly copiesMax: number;
  /** Broken invariants. */
  readonly violations: readonly Violation[];
  /** What else is worth knowing (controller exit, recovery actions, repairs). */
  readonly notes: readonly string[];
  /** Wall time of the trial, seconds. */
  readonly seconds: number;
  /** Set when the campaign itself failed during the trial (its invariants were not all checked). */
  readonly harnessError?: string;
}

/** `trial 3/8 seed=42 fault=target-dockerd-kill@restoring outcome=rolled-back copies-max=1 violations=0 (12.3 s)`. */
export function trialLine(r: TrialResult, total: number, campaignSeed: number): string {
  const missed = r.injected === undefined ? '(not injected)' : '';
  const harness = r.harnessError !== undefined ? ' HARNESS-ERROR' : '';
  return (
    `trial ${r.plan.index}/${total} seed=${campaignSeed} fault=${faultLabel(r.plan.fault)}${missed} ` +
    `outcome=${r.outcome} copies-max=${r.copiesMax} violations=${r.violations.length}${harness} (${r.seconds.toFixed(1)} s)`
  );
}

/** The indented lines under a trial line: where the fault struck, notes, each violation. */
export function trialDetails(r: TrialResult): string[] {
  const out: string[] = [];
  const p = r.plan;
  out.push(
    `    plan: ${p.name} on ${p.source} -> ${p.target}, dirty ${p.dirtyMibS} MiB/s, trial seed ${p.seed}`,
  );
  if (r.injected !== undefined)
    out.push(
      `    injected at +${(r.injected.atMs / 1000).toFixed(1)} s (journal ${r.injected.journalState ?? 'none yet'}): ${r.injected.what}`,
    );
  else out.push('    fault not injected: the controller ended before its trigger');
  for (const n of r.notes) out.push(`    note: ${n}`);
  if (r.harnessError !== undefined) out.push(`    HARNESS ERROR: ${r.harnessError}`);
  for (const v of r.violations) out.push(`    VIOLATION ${v.code}: ${v.detail}`);
  return out;
}

/** Trials and violations of one fault kind. */
export interface KindCount {
  /** Trials of that kind. */
  readonly trials: number;
  /** Violations in them. */
  readonly violations: number;
  /** Trials with at least one violation. */
  readonly failing: number;
}

/** The campaign in numbers. */
export interface CampaignSummary {
  /** Trials run. */
  readonly trials: number;
  /** Total violations. */
  readonly violations: number;
  /** Trials with at least one violation. */
  readonly failingTrials: readonly number[];
  /** Trials the campaign itself failed in. */
  readonly harnessErrors: readonly number[];
  /** Trials during which someone else used the bed (a note starting `DISTURBED`). */
  readonly disturbed: readonly number[];
  /** Per fault kind (e.g. `link-cut`), sorted by kind. */
  readonly perKind: readonly (readonly [string, KindCount])[];
  /** Per violation code. */
  readonly perCode: readonly (readonly [string, number])[];
  /** Outcomes and how often. */
  readonly outcomes: readonly (readonly [string, number])[];
}

const counted = (xs: readonly string[]): [string, number][] => {
  const m = new Map<string, number>();
  for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
  return [...m.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
};

/** Adds up trial results. */
export function summarize(results: readonly TrialResult[]): CampaignSummary {
  const kinds = new Map<string, KindCount>();
  for (const r of results) {
    const k = faultKind(r.plan.fault);
    const c = kinds.get(k) ?? { trials: 0, violations: 0, failing: 0 };
    kinds.set(k, {
      trials: c.trials + 1,
      violations: c.violations + r.violations.length,
      failing: c.failing + (r.violations.length > 0 ? 1 : 0),
    });
  }
  return {
    trials: results.length,
    violations: results.reduce((s, r) => s + r.violations.length, 0),
    failingTrials: results.filter((r) => r.violations.length > 0).map((r) => r.plan.index),
    harnessErrors: results.filter((r) => r.harnessError !== undefined).map((r) => r.plan.index),
    disturbed: results.filter((r) => r.notes.some((n) => n.startsWith('DISTURBED'))).map((r) => r.plan.index),
    perKind: [...kinds.entries()].sort((a, b) => a[0].localeCompare(b[0])),
    perCode: counted(results.flatMap((r) => r.violations.map((v) => v.code))),
    outcomes: counted(results.map((r) => r.outcome)),
  };
}

/** The options a re-run must repeat to get the same plans and the same bed. */
export interface RerunShape {
  /** Campaign seed. */
  readonly seed: number;
  /** Number of trials of the campaign. */
  readonly trials: number;
  /** `--faults` as given, if given. */
  readonly faults?: string;
  /** `--mib`. */
  readonly mib: number;
  /** `--rtt` as given. */
  readonly rtt: string;
  /** `--bandwidth` as given. */
  readonly bandwidth: string;
}

/** The exact command that re-runs trial `k` alone. */
export function rerunCommand(s: RerunShape, k: number): string {
  const faults = s.faults !== undefined ? ` --faults ${s.faults}` : '';
  return (
    `npm run faults -- --trials ${s.trials} --seed ${s.seed} --only-trial ${k}${faults} ` +
    `--mib ${s.mib} --rtt ${s.rtt} --bandwidth ${s.bandwidth}`
  );
}

/** The summary as printed at the end of a campaign. */
export function formatSummary(s: CampaignSummary, shape: RerunShape, seconds: number): string[] {
  const out: string[] = [];
  out.push(
    `campaign seed=${shape.seed}: ${s.trials} trial(s), ${s.violations} violation(s) in ${s.failingTrials.length} trial(s)` +
      `${s.harnessErrors.length > 0 ? `, harness errors in trial(s) ${s.harnessErrors.join(', ')}` : ''} (${(seconds / 60).toFixed(1)} min)`,
  );
  if (s.disturbed.length > 0)
    out.push(`disturbed (someone else used the bed meanwhile): trial(s) ${s.disturbed.join(', ')}`);
  out.push('per fault kind:');
  for (const [k, c] of s.perKind)
    out.push(`  ${k.padEnd(22)} trials=${c.trials} failing=${c.failing} violations=${c.violations}`);
  if (s.perCode.length > 0)
    out.push(`violations by invariant: ${s.perCode.map(([c, n]) => `${c}=${n}`).join(' ')}`);
  out.push(`outcomes: ${s.outcomes.map(([o, n]) => `${o}=${n}`).join(' ')}`);
  out.push(`seed: ${shape.seed}`);
  out.push(
    `re-run one trial: ${rerunCommand(shape, s.failingTrials[0] ?? 1).replace(/--only-trial \d+/, '--only-trial K')}`,
  );
  for (const k of [...new Set([...s.failingTrials, ...s.harnessErrors])].sort((a, b) => a - b))
    out.push(`  trial ${k}: ${rerunCommand(shape, k)}`);
  return out;
}
