/**
 * Watching a trial's journal dir (`$HOME/.ferry/journal`, the `ferry migrate` child's) every 20 ms (thin
 * I/O; files parsed with the campaign's schema). The engine writes each journal by rename, so a file read
 * is always whole; one that does not parse is reported, not guessed at.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BadJournal } from './checks';
import { journalSchema, parseOrWhy, type SeenJournal } from './schemas';

/** The journals of a dir, oldest migration first, and the files that did not parse. */
export interface JournalScan {
  /** Parsed journals. */
  readonly journals: SeenJournal[];
  /** Unreadable files. */
  readonly bad: BadJournal[];
}

const startedAt = (j: SeenJournal): string => j.history[0]?.at ?? '';

/** Reads every `*.json` journal in `dir` once (none when the dir does not exist). */
export async function readJournals(dir: string): Promise<JournalScan> {
  let names: string[];
  try {
    names = (await fs.promises.readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  } catch {
    return { journals: [], bad: [] };
  }
  const journals: SeenJournal[] = [];
  const bad: BadJournal[] = [];
  for (const n of names) {
    const file = path.join(dir, n);
    let text: string;
    try {
      text = await fs.promises.readFile(file, 'utf8');
    } catch {
      continue; // renamed away meanwhile
    }
    const r = parseOrWhy(journalSchema, text);
    if (r.ok) journals.push(r.value);
    else bad.push({ file, why: r.why });
  }
  journals.sort((a, b) => startedAt(a).localeCompare(startedAt(b)));
  return { journals, bad };
}

/** A live view of a journal dir. */
export interface JournalWatch {
  /** The journals of the last poll, oldest migration first. */
  journals(): readonly SeenJournal[];
  /** The oldest migration's current state, if it has a journal. */
  state(): string | undefined;
  /** Resolves once some journal has passed through `state` (its history holds it). */
  reached(state: string): Promise<SeenJournal>;
  /** Stops polling. */
  stop(): void;
}

/** Polls `dir` every `intervalMs` milliseconds until stopped. */
export function watchJournals(dir: string, intervalMs = 20): JournalWatch {
  let latest: SeenJournal[] = [];
  let stopped = false;
  const waiters: { state: string; resolve: (j: SeenJournal) => void }[] = [];
  const settle = (): void => {
    for (const w of [...waiters]) {
      const hit = latest.find((j) => j.state === w.state || j.history.some((h) => h.state === w.state));
      if (hit !== undefined) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(hit);
      }
    }
  };
  const poll = async (): Promise<void> => {
    while (!stopped) {
      latest = (await readJournals(dir)).journals;
      settle();
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  };
  void poll();
  return {
    journals: () => latest,
    state: () => latest[0]?.state,
    reached(state) {
      return new Promise((resolve) => {
        waiters.push({ state, resolve });
        settle();
      });
    },
    stop() {
      stopped = true;
    },
  };
}
