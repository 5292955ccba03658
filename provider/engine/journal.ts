/**
 * The migration journal: one JSON document per migration on the controlling machine, rewritten at every
 * state transition, so that a Ferry process killed mid-migration can find out on its next run where the
 * container is and finish or roll back (`recover`). The transition function is pure.
 */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { HostConfig } from '../config/clusters';
import { InvalidInput } from '../errors';

/** Identifies the shape of a stored journal. */
export const JOURNAL_SCHEMA = 'ferry.migration-journal/v1';

/**
 * States of a migration, in order; `rolled-back`, `done` and `failed` are terminal.
 * - `started`: nothing touched yet. `prepared`: migration dirs, key and receiver in place.
 * - `copying`: pre-copy rounds (the source runs). `target-created`: the target container exists, not started.
 * - `frozen`: the final checkpoint stopped the source; its images are in the source's checkpoint dir.
 * - `restoring`: the target engine is restoring. `target-running`: it runs. `verified`: it passed verification.
 * - `done`: the source container was removed. `rolling-back` / `rolled-back`: back on the source.
 * - `failed`: the rollback itself failed: needs a person (the journal says what is where).
 */
export type JournalState =
  | 'started'
  | 'prepared'
  | 'copying'
  | 'target-created'
  | 'frozen'
  | 'restoring'
  | 'target-running'
  | 'verified'
  | 'done'
  | 'rolling-back'
  | 'rolled-back'
  | 'failed';

/** A host as recorded in the journal: its cluster and its configuration without secrets. */
export interface JournalHost {
  /** Cluster name. */
  readonly cluster: string;
  /** Host configuration; `privateKey` is never stored (only `privateKeyPath`). */
  readonly host: HostConfig;
}

/** One transition, as recorded. */
export interface JournalEntry {
  /** The state entered. */
  readonly state: JournalState;
  /** When (ISO 8601). */
  readonly at: string;
  /** A note (e.g. the error that caused a rollback). */
  readonly note?: string;
}

/** The journal of one migration. */
export interface Journal {
  /** Always {@link JOURNAL_SCHEMA}. */
  readonly schema: typeof JOURNAL_SCHEMA;
  /** Migration id. */
  readonly migrationId: string;
  /** Container name on the source. */
  readonly containerName: string;
  /** Source host. */
  readonly source: JournalHost;
  /** Target host. */
  readonly target: JournalHost;
  /** Full id of the source container. */
  readonly sourceContainerId: string;
  /** Full id of the container created on the target, once created. */
  readonly targetContainerId?: string;
  /** Name of the checkpoint (directory under `<data-root>/containers/<id>/checkpoints/`). */
  readonly checkpointName: string;
  /** Migration directory on the source host. */
  readonly sourceDir: string;
  /** Migration directory on the target host. */
  readonly targetDir: string;
  /** The target's authorized_keys file holding the per-migration key line (absent in old journals). */
  readonly authorizedKeysFile?: string;
  /** pagedelta on the source, to complete a tracked final dump before a restore there (absent in old journals). */
  readonly sourcePagedelta?: string;
  /** Current state. */
  readonly state: JournalState;
  /** All transitions, oldest first. */
  readonly history: readonly JournalEntry[];
}

/** Events that move a journal on. */
export type JournalEvent =
  | { readonly kind: 'prepared' }
  | { readonly kind: 'copying' }
  | { readonly kind: 'target-created'; readonly targetContainerId: string }
  | { readonly kind: 'frozen' }
  | { readonly kind: 'restoring' }
  | { readonly kind: 'target-running' }
  | { readonly kind: 'verified' }
  | { readonly kind: 'done' }
  | { readonly kind: 'rolling-back'; readonly note: string }
  | { readonly kind: 'rolled-back' }
  | { readonly kind: 'failed'; readonly note: string };

/** States from which each state may be entered. */
const ALLOWED_FROM: Readonly<Record<JournalState, readonly JournalState[]>> = {
  started: [],
  prepared: ['started'],
  copying: ['prepared'],
  'target-created': ['prepared', 'copying'],
  frozen: ['target-created'],
  restoring: ['frozen'],
  'target-running': ['restoring'],
  verified: ['target-running'],
  done: ['verified'],
  'rolling-back': [
    'started',
    'prepared',
    'copying',
    'target-created',
    'frozen',
    'restoring',
    'target-running',
    'rolling-back',
  ],
  'rolled-back': ['rolling-back'],
  failed: [
    'started',
    'prepared',
    'copying',
    'target-created',
    'frozen',
    'restoring',
    'target-running',
    'verified',
    'rolling-back',
  ],
};

/** True for states after which nothing is left to do (`done`, `rolled-back`) or a person must act (`failed`). */
export function isTerminal(state: JournalState): boolean {
  return state === 'done' || state === 'rolled-back' || state === 'failed';
}

/** A new journal in state `started`. */
export function newJournal(
  init: Omit<Journal, 'schema' | 'state' | 'history' | 'targetContainerId'>,
  at: Date,
): Journal {
  const strip = (h: JournalHost): JournalHost => {
    const host = { ...h.host };
    delete (host as { privateKey?: string }).privateKey;
    return { cluster: h.cluster, host };
  };
  return {
    schema: JOURNAL_SCHEMA,
    ...init,
    source: strip(init.source),
    target: strip(init.target),
    state: 'started',
    history: [{ state: 'started', at: at.toISOString() }],
  };
}

/**
 * Applies `event` to `journal` (pure): returns the journal in the new state with the transition recorded.
 * @throws InvalidInput when the transition is not allowed from the current state.
 */
export function transition(journal: Journal, event: JournalEvent, at: Date): Journal {
  const next: JournalState = event.kind;
  if (!ALLOWED_FROM[next].includes(journal.state)) {
    throw new InvalidInput(
      'journal transition',
      `${journal.state} -> ${next}`,
      `a transition into ${next} from ${ALLOWED_FROM[next].join(', ') || 'nowhere'}`,
    );
  }
  const note = 'note' in event ? event.note : undefined;
  const entry: JournalEntry = { state: next, at: at.toISOString(), ...(note !== undefined ? { note } : {}) };
  return {
    ...journal,
    ...(event.kind === 'target-created' ? { targetContainerId: event.targetContainerId } : {}),
    state: next,
    history: [...journal.history, entry],
  };
}

/** Where journals are kept. */
export interface JournalStore {
  /** Writes the journal (replacing the previous version of the same migration id). */
  save(journal: Journal): Promise<void>;
  /** The journal of a migration, or `undefined`. */
  load(migrationId: string): Promise<Journal | undefined>;
  /** All journals. */
  list(): Promise<Journal[]>;
}

/** The default journal directory: `~/.ferry/journal`. */
export function defaultJournalDir(): string {
  return path.join(os.homedir(), '.ferry', 'journal');
}

/** A journal store of JSON files `<dir>/<migrationId>.json`, written atomically (temp file + rename). */
export function fileJournalStore(dir: string = defaultJournalDir()): JournalStore {
  const file = (id: string): string => {
    if (!/^[A-Za-z0-9-]{1,64}$/.test(id)) throw new InvalidInput('migrationId', id, 'letters, digits and -');
    return path.join(dir, `${id}.json`);
  };
  return {
    async save(journal) {
      await fs.mkdir(dir, { recursive: true, mode: 0o700 });
      const target = file(journal.migrationId);
      const tmp = `${target}.tmp-${process.pid}`;
      await fs.writeFile(tmp, `${JSON.stringify(journal, null, 2)}\n`, { mode: 0o600 });
      await fs.rename(tmp, target);
    },
    async load(id) {
      try {
        return JSON.parse(await fs.readFile(file(id), 'utf8')) as Journal;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
    },
    async list() {
      let names: string[];
      try {
        names = await fs.readdir(dir);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw e;
      }
      const out: Journal[] = [];
      for (const n of names.filter((x) => x.endsWith('.json')).sort()) {
        out.push(JSON.parse(await fs.readFile(path.join(dir, n), 'utf8')) as Journal);
      }
      return out;
    },
  };
}

/** A journal store in memory (tests, and callers that do not want files). */
export function memoryJournalStore(): JournalStore & { readonly journals: Map<string, Journal> } {
  const journals = new Map<string, Journal>();
  return {
    journals,
    async save(j) {
      journals.set(j.migrationId, j);
    },
    async load(id) {
      return journals.get(id);
    },
    async list() {
      return [...journals.values()];
    },
  };
}
