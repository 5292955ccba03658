/**
 * `ferry plan`, the pure part: which containers a stack's preview would move (from `pulumi preview --json`),
 * and the rendering of their plans as text or Markdown. Durations in seconds, sizes in bytes.
 */
import type { MigrationPlan } from '../model';
import { formatBytes, formatDuration, bytes, seconds, inMbit, bytesPerSecond } from '../units';
import { diffContainer } from './diff';
import type { MigrationSummary } from './outputs';
import { isUnknown, type MigrationPolicyInput } from './schema';

/** A container the preview would move live. */
export interface PlannedMove {
  /** Pulumi resource URN. */
  readonly urn: string;
  /** Docker container name. */
  readonly name: string;
  /** Where it runs now. */
  readonly from: { readonly cluster: string; readonly host: string };
  /** Where the program wants it. */
  readonly to: { readonly cluster: string; readonly host: string | undefined };
  /** Its migration policy (new inputs). */
  readonly policy: MigrationPolicyInput | undefined;
  /** Its last migration, if any (its measured dirty rate is reused). */
  readonly last: MigrationSummary | undefined;
}

interface PreviewStep {
  readonly op?: string;
  readonly urn?: string;
  readonly oldState?: { readonly type?: string; readonly outputs?: Record<string, unknown> };
  readonly newState?: { readonly type?: string; readonly inputs?: Record<string, unknown> };
}

/**
 * The moves in a `pulumi preview --json` document. Replaced or created containers are not moves; neither
 * is a placement still unknown during the preview.
 */
export function movesInPreview(preview: unknown): PlannedMove[] {
  const steps = ((preview as { steps?: PreviewStep[] } | null)?.steps ?? []).filter(
    (s) => s.op === 'update' && (s.newState?.type ?? s.oldState?.type ?? '').endsWith('ferry:Container'),
  );
  const moves: PlannedMove[] = [];
  for (const s of steps) {
    const olds = s.oldState?.outputs ?? {};
    const news = s.newState?.inputs ?? {};
    if (!diffContainer(olds, news).moves) continue;
    const placement = news.placement as { cluster: string; host?: string };
    // a target that is only known at apply time cannot be planned
    if (isUnknown(placement) || isUnknown(placement.cluster) || isUnknown(placement.host)) continue;
    moves.push({
      urn: s.urn ?? '',
      name: String(news.name ?? olds.name),
      from: { cluster: String(olds.cluster), host: String(olds.host) },
      to: { cluster: placement.cluster, host: placement.host },
      policy: news.migration as MigrationPolicyInput | undefined,
      last: olds.lastMigration as MigrationSummary | undefined,
    });
  }
  return moves;
}

/** Where a number came from, for the reader of the plan. */
export type Provenance = 'measured now' | 'recent measurement' | 'last migration' | 'given' | 'assumed';

/** A planned move with its plan and the provenance of its inputs. */
export interface MovePlan {
  /** The move. */
  readonly move: PlannedMove;
  /** The target host the planner resolved. */
  readonly toHost: string;
  /** The plan. */
  readonly plan: MigrationPlan;
  /** Memory used, bytes, and where it came from. */
  readonly memory: { readonly value: number; readonly source: Provenance };
  /** Dirty rate used, bytes/s, and where it came from. */
  readonly dirtyRate: { readonly value: number; readonly source: Provenance };
  /** RTT used, seconds, and where it came from. */
  readonly rtt: { readonly value: number; readonly source: Provenance };
  /** Bandwidth used, bytes/s, and where it came from. */
  readonly bandwidth: { readonly value: number; readonly source: Provenance };
}

const dur = (s: number): string => formatDuration(seconds(s));
const size = (b: number): string => formatBytes(bytes(Math.round(b)));
const rate = (b: number): string => `${inMbit(bytesPerSecond(b)).toFixed(1)} Mbit/s`;

/** The plan of every move as text for a terminal. */
export function plansToText(plans: readonly MovePlan[]): string {
  if (plans.length === 0) return 'No container would move.\n';
  const out: string[] = [];
  for (const p of plans) {
    const m = p.move;
    out.push(
      `${m.name}: ${m.from.cluster}/${m.from.host} -> ${m.to.cluster}/${p.toHost}`,
      `  strategy ${p.plan.strategy}, ${p.plan.rounds.length} pre-copy round(s), predicted downtime ${dur(p.plan.downtime)}` +
        `${p.plan.meetsTarget ? '' : ' (above the target)'}, total ${dur(p.plan.totalTime)}, ${size(p.plan.bytesOnWire)} on the wire`,
      `  inputs: memory ${size(p.memory.value)} (${p.memory.source}), dirty rate ${size(p.dirtyRate.value)}/s (${p.dirtyRate.source}), ` +
        `RTT ${dur(p.rtt.value)} (${p.rtt.source}), bandwidth ${rate(p.bandwidth.value)} (${p.bandwidth.source})`,
      `  why: ${p.plan.reasons.choice}`,
      ...p.plan.warnings.map((w) => `  warning: ${w}`),
      '',
    );
  }
  return `${out.join('\n')}`;
}

/** The plan of every move as Markdown for a pull request. */
export function plansToMarkdown(plans: readonly MovePlan[]): string {
  if (plans.length === 0) return '## Ferry plan\n\nNo container would move.\n';
  const lines = [
    '## Ferry plan',
    '',
    '| container | from | to | strategy | rounds | predicted downtime | total time | bytes |',
    '|---|---|---|---|---|---|---|---|',
    ...plans.map(
      (p) =>
        `| ${p.move.name} | ${p.move.from.cluster}/${p.move.from.host} | ${p.move.to.cluster}/${p.toHost} | ${p.plan.strategy} | ` +
        `${p.plan.rounds.length} | ${dur(p.plan.downtime)}${p.plan.meetsTarget ? '' : ' ⚠'} | ${dur(p.plan.totalTime)} | ${size(p.plan.bytesOnWire)} |`,
    ),
    '',
  ];
  for (const p of plans) {
    lines.push(
      `### ${p.move.name}`,
      '',
      `- why: ${p.plan.reasons.choice}`,
      `- rounds: ${p.plan.reasons.termination}`,
      `- inputs: memory ${size(p.memory.value)} (${p.memory.source}), dirty rate ${size(p.dirtyRate.value)}/s (${p.dirtyRate.source}), RTT ${dur(p.rtt.value)} (${p.rtt.source}), bandwidth ${rate(p.bandwidth.value)} (${p.bandwidth.source})`,
      ...p.plan.warnings.map((w) => `- warning: ${w}`),
      '',
    );
  }
  return `${lines.join('\n')}`;
}
