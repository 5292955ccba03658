/**
 * The end of a trial (I/O around the pure checks): the copies after recovery, the running copy's log read
 * twice 1.5 s apart, and every invariant evaluated.
 */
import { containerLog } from './docker-api';
import { lastTick, parseDirtierLog } from './log-lines';
import {
  finalCopiesViolations,
  journalViolations,
  reportViolations,
  workloadViolations,
  type BadJournal,
} from './checks';
import type { BedView } from './bed';
import type { ClusterName } from './plan';
import { isLive, type Sample, type SampledCopy } from './samples';
import { takeSample, type Sampler } from './sampler';
import type { SeenJournal, SeenReport } from './schemas';
import type { Violation } from './violations';

/** What the final checks need. */
export interface FinalInput {
  /** The bed. */
  readonly view: BedView;
  /** The trial's container name. */
  readonly name: string;
  /** The container the trial started. */
  readonly originalId: string;
  /** The last tick before the migration. */
  readonly lastTickBefore: number;
  /** The running sampler (its known ids and the ticks it saw). */
  readonly sampler: Sampler;
  /** `Date.now()` at the start of the trial. */
  readonly t0: number;
  /** The fault itself stopped the workload (see `finalCopiesViolations`). */
  readonly lostToFault: boolean;
  /** Every journal of the trial, after recovery, and the unreadable ones. */
  readonly journals: readonly SeenJournal[];
  /** Unreadable journal files. */
  readonly bad: readonly BadJournal[];
  /** The primary controller's report when it exited 0 (`null`: exited 0 without a parsable one). */
  readonly report?: SeenReport | null;
}

/** What the final checks found. */
export interface FinalResult {
  /** The broken invariants. */
  readonly violations: Violation[];
  /** The copy that runs, when exactly one does. */
  readonly running?: SampledCopy;
  /** The final sample. */
  readonly sample: Sample;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Evaluates the after-recovery invariants. */
export async function finalChecks(i: FinalInput): Promise<FinalResult> {
  const hosts = Object.values(i.view.hosts);
  const sample = await takeSample(hosts, i.name, i.sampler.known(), Date.now() - i.t0, 'after recovery');
  const existing = sample.copies.filter((c) => c.dockerState !== 'absent' || c.proc === true);
  const violations: Violation[] = [...finalCopiesViolations(existing, i.lostToFault)];
  const live = existing.filter(isLive);
  const running = live.length === 1 ? live[0] : undefined;
  if (running !== undefined) {
    const socket = i.view.hosts[running.cluster as ClusterName].socket;
    const first = parseDirtierLog(await containerLog(socket, running.id, 100000));
    await sleep(1500);
    const log = parseDirtierLog(await containerLog(socket, running.id, 100000));
    violations.push(
      ...workloadViolations({
        runningId: running.id,
        originalId: i.originalId,
        log,
        lastTickBefore: i.lastTickBefore,
        tickBeforeWait: lastTick(first)?.tick,
        others: [...i.sampler.ticksSeen().entries()].map(([id, t]) => ({ id, ...t })),
      }),
    );
  }
  violations.push(...journalViolations(i.journals, i.bad));
  if (i.report !== undefined)
    violations.push(...reportViolations(i.report ?? undefined, i.journals, running));
  return { violations, ...(running !== undefined ? { running } : {}), sample };
}
