/**
 * A trial's recovery phase (I/O): `ferry migrate --recover` with each of the trial's HOMEs; when a journal is
 * still not `done` or `rolled-back`, the bed is repaired and recovery runs a second time.
 */
import * as path from 'node:path';
import { repairBed, type BedView, type LinkWish } from './bed';
import type { BadJournal } from './checks';
import { GOOD_TERMINAL_STATES } from './fault-kinds';
import { journalDirOf, runFerry, type ChildExit } from './ferry-child';
import { readJournals } from './journal-watch';
import type { SeenJournal } from './schemas';
import type { Violation } from './violations';

/** What recovery left. */
export interface RecoveryOutcome {
  /** The journals of each HOME after recovery. */
  readonly perHome: SeenJournal[][];
  /** Unreadable journal files. */
  readonly bad: BadJournal[];
  /** The bed as repaired last. */
  readonly view: BedView;
}

/** `exit 1`, or `killed by SIGKILL`. */
export const exitText = (e: ChildExit): string =>
  e.signal !== null ? `killed by ${e.signal}` : `exit ${e.code ?? '?'}`;

/** The last non-empty line of `text`, at most 300 characters. */
export const lastLine = (text: string): string =>
  text
    .trim()
    .split('\n')
    .filter((l) => l.trim() !== '')
    .pop()
    ?.slice(0, 300) ?? '';

/** Options of {@link recoverTrial}. */
export interface RecoveryInput {
  /** The HOMEs whose journals to recover. */
  readonly homes: readonly string[];
  /** The bed's clusters file. */
  readonly clustersFile: string;
  /** Where the output files go. */
  readonly dir: string;
  /** Time limit of each child, ms. */
  readonly limitMs: number;
  /** The bed as it is now. */
  readonly view: BedView;
  /** Link settings to keep when repairing. */
  readonly link: LinkWish;
  /** Collects notes. */
  readonly notes: string[];
  /** Collects violations. */
  readonly violations: Violation[];
}

/** Recovers every HOME of the trial, twice when the first recovery leaves a journal unfinished. */
export async function recoverTrial(i: RecoveryInput): Promise<RecoveryOutcome> {
  const recoverAll = async (round: number): Promise<void> => {
    for (const [k, h] of i.homes.entries()) {
      const r = await runFerry(
        ['migrate', '--recover', '--clusters-file', i.clustersFile],
        h,
        path.join(i.dir, `recover-${round}-${k + 1}`),
        i.limitMs,
      );
      const said = r.stdout
        .trim()
        .split('\n')
        .filter((l) => l !== '')
        .join(' | ');
      i.notes.push(
        `recover ${round}${i.homes.length > 1 ? `.${k + 1}` : ''}: ${exitText(r.exit)}${said ? `: ${said}` : ''}`,
      );
      if (r.exit.code !== 0)
        i.violations.push({
          code: 'recover-failed',
          detail: `ferry migrate --recover (${round}) ${exitText(r.exit)}: ${lastLine(r.stderr)}`,
        });
    }
  };
  const scan = async (): Promise<{ perHome: SeenJournal[][]; bad: BadJournal[] }> => {
    const scans = await Promise.all(i.homes.map((h) => readJournals(journalDirOf(h))));
    return { perHome: scans.map((x) => x.journals), bad: scans.flatMap((x) => x.bad) };
  };
  let view = i.view;
  await recoverAll(1);
  let journals = await scan();
  const unfinished = (): SeenJournal[] =>
    journals.perHome.flat().filter((j) => !GOOD_TERMINAL_STATES.includes(j.state));
  if (unfinished().length > 0) {
    const was = unfinished()
      .map((j) => `${j.migrationId} ${j.state}`)
      .join(', ');
    view = (await repairBed(i.link)).view;
    await recoverAll(2);
    journals = await scan();
    i.notes.push(
      unfinished().length === 0
        ? `the second recovery resolved ${was}`
        : `still unfinished after a second recovery: ${was}`,
    );
  }
  return { ...journals, view };
}
