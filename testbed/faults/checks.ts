/**
 * The invariants checked after a trial's recovery (pure): exactly one running copy; the workload's counter
 * continuous and its memory verified; every journal `done` or `rolled-back`; the report true to what runs;
 * nothing left behind.
 */
import { GOOD_TERMINAL_STATES } from './fault-kinds';
import { lastTick, type DirtierLog } from './log-lines';
import { isLive, type SampledCopy } from './samples';
import type { SeenJournal, SeenReport } from './schemas';
import type { Violation } from './violations';

/** What is known of the workload after recovery. */
export interface WorkloadEvidence {
  /** The copy that runs (its full id). */
  readonly runningId: string;
  /** The id of the container the trial started (a copy with another id was made by the engine). */
  readonly originalId: string;
  /** The running copy's whole log, read after the 1.5 s wait. */
  readonly log: DirtierLog;
  /** The last tick seen before the migration started. */
  readonly lastTickBefore: number;
  /** The running copy's last tick when the 1.5 s wait began (undefined: none yet). */
  readonly tickBeforeWait: number | undefined;
  /** For each other copy: the highest tick it was seen to print, and when (realtime ms). */
  readonly others: readonly { readonly id: string; readonly tick: number; readonly atMs: number }[];
}

/** Counter continuity and memory checks of the running copy. */
export function workloadViolations(e: WorkloadEvidence): Violation[] {
  const out: Violation[] = [];
  const id = e.runningId.slice(0, 12);
  const ticks = e.log.ticks;
  for (let i = 1; i < ticks.length; i++) {
    if (ticks[i]!.tick <= ticks[i - 1]!.tick) {
      out.push({
        code: 'counter-back',
        detail: `copy ${id} printed tick=${ticks[i]!.tick} after tick=${ticks[i - 1]!.tick} (line ${i + 1} of its ticks)`,
      });
      break;
    }
  }
  const allowedStarts = e.runningId === e.originalId ? 1 : 0;
  if (e.log.starts > allowedStarts)
    out.push({
      code: 'fresh-start',
      detail: `copy ${id} has ${e.log.starts} start line(s) in its log, expected ${allowedStarts}: the workload started afresh instead of being restored`,
    });
  for (const o of e.others) {
    if (o.id === e.runningId) continue;
    const after = ticks.find((t) => t.atMs > o.atMs);
    if (after !== undefined && after.tick <= o.tick)
      out.push({
        code: 'counter-back',
        detail: `copy ${o.id.slice(0, 12)} had printed tick=${o.tick}; later the running copy ${id} printed tick=${after.tick}: it resumed from an older state`,
      });
  }
  const last = lastTick(e.log)?.tick;
  if (last === undefined || last <= e.lastTickBefore)
    out.push({
      code: 'counter-stalled',
      detail: `the running copy's last tick (${last ?? 'none'}) is not beyond the last tick before the migration (${e.lastTickBefore})`,
    });
  else if (e.tickBeforeWait !== undefined && last <= e.tickBeforeWait)
    out.push({
      code: 'counter-stalled',
      detail: `no tick during the 1.5 s wait (still tick=${last}): the copy does not run`,
    });
  const bad = e.log.verifies.find((v) => !v.startsWith('verify=ok '));
  if (bad !== undefined) out.push({ code: 'memory-verify', detail: `copy ${id}: ${bad.slice(0, 160)}` });
  const notOk = ticks.find((t) => !t.ok);
  if (bad === undefined && notOk !== undefined)
    out.push({ code: 'memory-verify', detail: `copy ${id}: tick=${notOk.tick} says ok=0` });
  return out;
}

/**
 * Exactly one running copy after recovery, and no stopped copies left. `lostToFault`: the fault itself
 * stopped the workload (a dockerd stopped while the copy ran there: dockerd without live-restore stops its
 * containers), so no running copy is then what the fault did, not a violation.
 */
export function finalCopiesViolations(copies: readonly SampledCopy[], lostToFault: boolean): Violation[] {
  const live = copies.filter(isLive);
  const out: Violation[] = [];
  if (live.length === 0 && !lostToFault)
    out.push({
      code: 'no-running-copy',
      detail: `no copy runs after recovery (${copies.map((c) => `${c.cluster}:${c.id.slice(0, 12)} ${c.dockerState ?? '?'}`).join(', ') || 'no container of that name anywhere'})`,
    });
  if (live.length > 1)
    out.push({
      code: 'copies-after-recovery',
      detail: `${live.length} copies run after recovery: ${live.map((c) => `${c.cluster}:${c.id.slice(0, 12)}`).join(', ')}`,
    });
  if (!lostToFault || live.length > 0)
    for (const c of copies.filter((x) => !isLive(x)))
      out.push({
        code: 'stale-copy',
        detail: `a stopped copy is left: ${c.cluster}:${c.id.slice(0, 12)} ${c.dockerState ?? '?'}`,
      });
  return out;
}

/** A journal file that could not be read, and why. */
export interface BadJournal {
  /** Its path. */
  readonly file: string;
  /** Why, in one line. */
  readonly why: string;
}

/** Every journal must end `done` or `rolled-back`, and every journal file must parse. */
export function journalViolations(journals: readonly SeenJournal[], bad: readonly BadJournal[]): Violation[] {
  const out: Violation[] = [];
  for (const j of journals) {
    if (GOOD_TERMINAL_STATES.includes(j.state)) continue;
    const note = [...j.history].reverse().find((h) => h.note !== undefined)?.note;
    out.push({
      code: 'journal-not-terminal',
      detail: `journal ${j.migrationId} is ${j.state} after recovery${j.fence ? ` (fence: ${j.fence.reason})` : ''}${note ? `; last note: ${note.split('\n')[0]!.slice(0, 300)}` : ''}`,
    });
  }
  for (const b of bad) out.push({ code: 'journal-unreadable', detail: `${b.file}: ${b.why}` });
  return out;
}

/**
 * A controller that said it migrated (exit 0, a report) must be right: the report names the journal's
 * migration, the journal says `done`, and the copy that runs is the report's target copy.
 */
export function reportViolations(
  report: SeenReport | undefined,
  journals: readonly SeenJournal[],
  running: SampledCopy | undefined,
): Violation[] {
  if (report === undefined)
    return [
      { code: 'report-mismatch', detail: 'ferry migrate exited 0 but its stdout is not a migration report' },
    ];
  const out: Violation[] = [];
  const j = journals.find((x) => x.migrationId === report.migrationId);
  if (j === undefined)
    out.push({
      code: 'report-mismatch',
      detail: `the report's migration ${report.migrationId} has no journal`,
    });
  else if (j.state !== 'done')
    out.push({ code: 'report-mismatch', detail: `the report says migrated, the journal says ${j.state}` });
  const toCluster = report.to.split('/')[0];
  if (running !== undefined && running.cluster !== toCluster)
    out.push({
      code: 'report-mismatch',
      detail: `the report says the container runs on ${report.to}, it runs on ${running.cluster}`,
    });
  else if (
    running !== undefined &&
    report.targetContainerId !== undefined &&
    running.id !== report.targetContainerId
  )
    out.push({
      code: 'report-mismatch',
      detail: `the report names target copy ${report.targetContainerId.slice(0, 12)}, ${running.id.slice(0, 12)} runs`,
    });
  return out;
}

/** One violation per item the trial left behind. */
export function leftoverViolations(items: readonly string[]): Violation[] {
  return items.map((detail) => ({ code: 'leftover', detail }));
}

/** The trial's outcome: the final state of each migration's journal (primary first), or `no-journal`. */
export function outcomeOf(journalsPerHome: readonly (readonly SeenJournal[])[]): string {
  return journalsPerHome
    .map((js) => (js.length === 0 ? 'no-journal' : js.map((j) => j.state).join('/')))
    .join('+');
}
