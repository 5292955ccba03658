/**
 * The one place a running machine writes its journal: every change is a pure function of the journal
 * (a transition, or an update such as a pending cleanup step), applied in memory and saved with the lease
 * renewed. Saves are serialised. After the first save, a failed write never stops the migration or its
 * rollback: it is recorded in `writeFailures` (and the in-memory journal goes on).
 */
import {
  renewLease,
  transition,
  type Journal,
  type JournalEvent,
  type JournalStore,
} from '../journal/journal';
import type { Clock } from '../types';
import { errorLine } from './phases';

/** A journal being written by one machine. */
export interface JournalWriter {
  /** The journal as the machine sees it (saved, unless a write failed). */
  readonly current: Journal;
  /** Applies `event` (a transition) and saves. */
  step(event: JournalEvent): Promise<void>;
  /** Applies `change` (no transition) and saves. */
  update(change: (j: Journal) => Journal): Promise<void>;
  /** Saves again with the lease renewed (a timer calls it during long steps). */
  renew(): Promise<void>;
  /** Writes that failed, one line each. */
  readonly writeFailures: readonly string[];
}

/**
 * A writer for `initial`, which is saved first.
 * @throws the store's error when that first save fails (nothing has been touched yet).
 */
export async function journalWriter(
  initial: Journal,
  store: JournalStore,
  clock: Clock,
): Promise<JournalWriter> {
  let current = renewLease(initial, clock.wall());
  await store.save(current);
  const writeFailures: string[] = [];
  let queue: Promise<void> = Promise.resolve();
  const save = (what: string): Promise<void> => {
    const snapshot = renewLease(current, clock.wall());
    current = snapshot;
    queue = queue.then(() =>
      store.save(snapshot).catch((e: unknown) => {
        writeFailures.push(`journal write (${what}) failed: ${errorLine(e)}`);
      }),
    );
    return queue;
  };
  return {
    get current() {
      return current;
    },
    writeFailures,
    step(event) {
      current = transition(current, event, clock.wall());
      return save(event.kind);
    },
    update(change) {
      current = change(current);
      return save('update');
    },
    renew() {
      return save('lease');
    },
  };
}
