/**
 * What `ferry calibrate` reads of a migration report (`MigrationReport`, the output of `ferry migrate
 * --json`): one zod schema of the fields the fit needs, and {@link runsFromReports}, which turns parsed
 * reports into {@link CalibrationRun}s. Pure: the CLI reads the files.
 */
import { z } from 'zod';
import { bytes, bytesPerSecond, seconds } from '../units';
import type { CalibrationRun } from './fit';
import { RESTORE_MODES } from './profile-types';
import { issueToInvalidInput } from './zod-issue';

const seconds0 = (what: string) =>
  z
    .number({ error: `expected ${what}, seconds (a number)` })
    .nonnegative({ error: `expected ${what}, seconds (0 or more)` })
    .transform((n) => seconds(n));
const bytes0 = (what: string) =>
  z
    .number({ error: `expected ${what}, bytes (a number)` })
    .nonnegative({ error: `expected ${what}, bytes (0 or more)` })
    .transform((n) => bytes(n));
const rate = (what: string) =>
  z
    .number({ error: `expected ${what}, bytes per second (a number)` })
    .positive({ error: `expected ${what}, bytes per second (above 0)` })
    .transform((n) => bytesPerSecond(n));

const roundSchema = z.object({
  kind: z.enum(['precopy', 'final'], { error: 'expected "precopy" or "final"' }),
  bytes: bytes0('the bytes the round sent'),
  freeze: seconds0("the round's checkpoint freeze"),
  deltaTime: seconds0("the round's page delta"),
});

const planSchema = z.object({
  strategy: z.string({ error: 'expected the planned strategy' }),
  downtime: seconds0('the planned downtime'),
  model: z.object({ bandwidth: rate('the bandwidth the planner used') }),
  alternatives: z.array(z.object({ strategy: z.string(), downtime: seconds0('a predicted downtime') }), {
    error: "expected the plan's alternatives",
  }),
  inputs: z.object({
    container: z.object({
      processes: z
        .number({ error: 'expected a number of processes' })
        .int({ error: 'expected a whole number of processes' })
        .positive({ error: 'expected 1 process or more' }),
      rootfsDiff: bytes0('the root file system diff'),
    }),
    link: z.object({ costs: z.object({ dirtyTracking: z.boolean({ error: 'expected true or false' }) }) }),
  }),
});

/** The fields of a `MigrationReport` that the fit reads (the others are ignored). */
export const reportSchema = z.object(
  {
    migrationId: z
      .string({ error: 'expected the migration id' })
      .min(1, { error: 'expected the migration id' }),
    container: z.string().optional(),
    from: z.string().optional(),
    to: z.string().optional(),
    strategy: z.enum(['pre-copy', 'stop-and-copy'], { error: 'expected "pre-copy" or "stop-and-copy"' }),
    memory: bytes0('the memory in the images'),
    rtt: seconds0('the measured RTT'),
    downtime: seconds0('the measured downtime'),
    restoreMode: z.enum(RESTORE_MODES, { error: `expected one of ${RESTORE_MODES.join(', ')}` }).optional(),
    rounds: z
      .array(roundSchema, { error: 'expected the list of rounds' })
      .min(1, { error: 'expected at least the final round' })
      .refine((r) => r[r.length - 1]?.kind === 'final', { error: 'expected the final round last' }),
    plan: planSchema.nullish(),
  },
  { error: 'expected a migration report (the output of ferry migrate --json)' },
);

/** A parsed report (what the fit needs of it). */
export type ReportFields = z.output<typeof reportSchema>;

/** A report file holding a list of reports. */
const reportListSchema = z
  .array(reportSchema, { error: 'expected a list of migration reports' })
  .min(1, { error: 'expected at least one migration report' });

/**
 * Parses the JSON value of a report file: one report (what `ferry migrate --json` prints) or a list of them.
 * `source` names the file in errors.
 * @throws InvalidInput naming the file and the first bad field.
 */
export function parseReportFile(data: unknown, source: string): ReportFields[] {
  const parsed = Array.isArray(data) ? reportListSchema.safeParse(data) : reportSchema.safeParse(data);
  if (!parsed.success) throw issueToInvalidInput(parsed.error, data, `migration report ${source}`);
  return Array.isArray(parsed.data) ? parsed.data : [parsed.data];
}

/** A run the fit cannot use, and why. */
export interface SkippedRun {
  /** Migration id. */
  readonly id: string;
  /** Why it is left out. */
  readonly reason: string;
}

/** The runs of parsed reports that the fit can use, and the others with the reason. */
export function runsFromReports(
  reports: readonly { readonly report: ReportFields; readonly source: string }[],
): { readonly runs: CalibrationRun[]; readonly skipped: SkippedRun[] } {
  const runs: CalibrationRun[] = [];
  const skipped: SkippedRun[] = [];
  for (const { report: r, source } of reports) {
    const plan = r.plan;
    if (plan === undefined || plan === null) {
      skipped.push({
        id: r.migrationId,
        reason: 'no plan (a fixed stop rule drove it): B and P are unknown',
      });
      continue;
    }
    if (plan.inputs.link.costs.dirtyTracking) {
      skipped.push({ id: r.migrationId, reason: 'dirty tracking: the fit assumes full dumps every round' });
      continue;
    }
    const final = r.rounds[r.rounds.length - 1]!;
    const planned =
      r.strategy === plan.strategy
        ? plan.downtime
        : plan.alternatives.find((a) => a.strategy === r.strategy)?.downtime;
    runs.push({
      id: r.migrationId,
      source,
      description: [r.container, r.from !== undefined && r.to !== undefined ? `${r.from} -> ${r.to}` : '']
        .filter((x) => x !== undefined && x !== '')
        .join(' '),
      memory: r.memory,
      processes: plan.inputs.container.processes,
      rtt: r.rtt,
      bandwidth: plan.model.bandwidth,
      rootfsDiff: plan.inputs.container.rootfsDiff,
      restoreMode: r.restoreMode ?? 'pages-by-reference',
      precopyRounds: r.rounds.filter((x) => x.kind === 'precopy').length,
      freezes: r.rounds.map((x) => x.freeze),
      deltas: r.rounds
        .slice(1)
        .map((x) => x.deltaTime)
        .filter((d) => d > 0),
      finalSent: final.bytes,
      downtime: r.downtime,
      planned,
    });
  }
  return { runs, skipped };
}
