/**
 * The migration journal: one JSON document per migration on the controlling machine, rewritten at every
 * state transition, so that a Ferry process killed mid-migration can find out on its next run where the
 * container is and finish or roll back (`recover`). This module is the pure state machine; the stored shape
 * and its schema are in `journal-schema.ts`, the stores in `journal-store.ts`, ownership and leases in
 * `journal-lease.ts` (all re-exported here).
 */
import type { HostConfig } from '../../config/clusters';
import { InvalidInput } from '../../errors';
import {
  JOURNAL_SCHEMA,
  JOURNAL_STATES,
  isTerminal,
  withoutSecrets,
  type JournalState,
} from './journal-schema';
import type { JournalLease, JournalOwner } from './journal-lease';

export {
  HOST_SECRET_FIELDS,
  JOURNAL_SCHEMA,
  JOURNAL_SCHEMA_V1,
  JOURNAL_STATES,
  MIGRATION_ID_PATTERN,
  cleanupStepSchema,
  isTerminal,
  journalToJson,
  parseJournal,
  storedJournalSchema,
  withoutSecrets,
  type JournalParse,
  type JournalState,
} from './journal-schema';
export * from './journal-store';
export * from './journal-lease';

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

/** Which end of the migration a cleanup step runs on. */
export type CleanupHost = 'source' | 'target';

/** A cleanup step that was not done (yet): a later recovery must retry it. */
export type CleanupStep =
  /** Stop the SSH control master of the direct path listening on `socket` (a path on the source host). */
  | { readonly kind: 'control-master'; readonly host: 'source'; readonly socket: string }
  /** Remove the per-migration key line of `migrationId` from the target's authorized_keys `file`. */
  | {
      readonly kind: 'key-line';
      readonly host: 'target';
      readonly file: string;
      readonly migrationId: string;
    }
  /** Remove directory `path` on `host`; `path` must lie under `root` (the host's work dir or data root). */
  | { readonly kind: 'remove-dir'; readonly host: CleanupHost; readonly root: string; readonly path: string }
  /** Remove the container with full id `id` on `host`. */
  | { readonly kind: 'remove-container'; readonly host: CleanupHost; readonly id: string }
  /** Remove containerd's copies (`/tmp/ctrd-checkpoint*`) of checkpoint `checkpointName` on `host`. */
  | { readonly kind: 'ctrd-copies'; readonly host: CleanupHost; readonly checkpointName: string }
  /** Put restart policy `policy` (e.g. `unless-stopped`) back on container `containerId` on `host`. */
  | {
      readonly kind: 'restart-policy';
      readonly host: CleanupHost;
      readonly containerId: string;
      readonly policy: string;
    };

/** Why a journal is `fenced`, what a person must check, and which command finishes the job. */
export interface JournalFence {
  /** Why the migration stopped here, e.g. `target host unreachable: cannot confirm its copy is gone`. */
  readonly reason: string;
  /** What to check, e.g. `that container <id> on cluster-b/host-1 is removed`. */
  readonly check: string;
  /** The command that finishes the job once checked, e.g. `ferry migrate --recover`. */
  readonly command: string;
}

/** The journal of one migration (v2; fields marked optional may be absent in journals upgraded from v1). */
export interface Journal {
  /** Always {@link JOURNAL_SCHEMA} in memory (v1 files are upgraded on load). */
  readonly schema: typeof JOURNAL_SCHEMA;
  /** Migration id (see {@link MIGRATION_ID_PATTERN}). */
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
  /** The source container's original restart policy (e.g. `always`), so that it can be put back. */
  readonly restartPolicy?: string;
  /** The process driving the migration (absent in v1 journals). */
  readonly owner?: JournalOwner;
  /** The owner's claim (absent: anyone may recover the journal once it is not terminal). */
  readonly lease?: JournalLease;
  /** Cleanup steps still to do, oldest first (absent: none). */
  readonly pendingCleanup?: readonly CleanupStep[];
  /** Set while the state is `fenced`: what a person must check. */
  readonly fence?: JournalFence;
  /**
   * True once the cutover hook was started with the target's endpoints (so a rollback runs it again with the
   * source's). Absent: it was not, or there is none.
   */
  readonly cutoverStarted?: boolean;
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
  | { readonly kind: 'fenced'; readonly fence: JournalFence }
  | { readonly kind: 'failed'; readonly note: string };

/** Every state that is not terminal: a `fenced` or a `failed` may be entered from any of them. */
const UNFINISHED: readonly JournalState[] = JOURNAL_STATES.filter((s) => !isTerminal(s));

/** States from which each state may be entered. */
const ALLOWED_FROM: Readonly<Record<JournalState, readonly JournalState[]>> = {
  started: [],
  prepared: ['started'],
  copying: ['prepared'],
  'target-created': ['prepared', 'copying'],
  frozen: ['target-created'],
  restoring: ['frozen'],
  // from fenced: a later recovery found the target running (and verifies it next, or did already); from
  // target-created and frozen: a recovery found it running where the journal could not record the switchover
  // (a full disk on the controller: from the freeze on, the move goes on without a durable journal)
  'target-running': ['target-created', 'frozen', 'restoring', 'fenced'],
  verified: ['target-running', 'fenced'],
  done: ['verified'],
  // from fenced: a later recovery confirmed the target copy gone
  'rolling-back': [
    'started',
    'prepared',
    'copying',
    'target-created',
    'frozen',
    'restoring',
    'target-running',
    'rolling-back',
    'fenced',
  ],
  'rolled-back': ['rolling-back'],
  fenced: UNFINISHED,
  failed: UNFINISHED,
};

/** Whether a journal in state `from` may enter state `to` (the table {@link transition} enforces). Pure. */
export function canTransition(from: JournalState, to: JournalState): boolean {
  return ALLOWED_FROM[to].includes(from);
}

/**
 * A new journal in state `started`, host secrets stripped. Owner, lease, pending cleanup and the restart
 * policy are taken from `init` when given.
 */
export function newJournal(
  init: Omit<Journal, 'schema' | 'state' | 'history' | 'targetContainerId' | 'fence'>,
  at: Date,
): Journal {
  return {
    schema: JOURNAL_SCHEMA,
    ...init,
    source: { cluster: init.source.cluster, host: withoutSecrets(init.source.host) },
    target: { cluster: init.target.cluster, host: withoutSecrets(init.target.host) },
    state: 'started',
    history: [{ state: 'started', at: at.toISOString() }],
  };
}

/**
 * Applies `event` to `journal` (pure): returns the journal in the new state with the transition recorded.
 * A `fenced` event sets `fence` (its reason is the history note); every other transition drops it.
 * @throws InvalidInput when the transition is not allowed from the current state.
 */
export function transition(journal: Journal, event: JournalEvent, at: Date): Journal {
  const next: JournalState = event.kind;
  if (!canTransition(journal.state, next)) {
    throw new InvalidInput(
      'journal transition',
      `${journal.state} -> ${next}`,
      `a transition into ${next} from ${ALLOWED_FROM[next].join(', ') || 'nowhere'}`,
    );
  }
  const note = event.kind === 'fenced' ? event.fence.reason : 'note' in event ? event.note : undefined;
  const entry: JournalEntry = { state: next, at: at.toISOString(), ...(note !== undefined ? { note } : {}) };
  return {
    ...withoutFence(journal),
    ...(event.kind === 'target-created' ? { targetContainerId: event.targetContainerId } : {}),
    ...(event.kind === 'fenced' ? { fence: event.fence } : {}),
    state: next,
    history: [...journal.history, entry],
  };
}

function withoutFence(journal: Journal): Journal {
  if (journal.fence === undefined) return journal;
  const out = { ...journal };
  delete out.fence;
  return out;
}

/** Whether two cleanup steps are the same step (same kind and same fields). Pure. */
export function sameCleanupStep(a: CleanupStep, b: CleanupStep): boolean {
  const ea = Object.entries(a);
  const eb = new Map<string, unknown>(Object.entries(b));
  return ea.length === eb.size && ea.every(([k, v]) => eb.has(k) && eb.get(k) === v);
}

/** `journal` with `step` added to the end of `pendingCleanup` (unchanged when already there). Pure. */
export function addPendingCleanup(journal: Journal, step: CleanupStep): Journal {
  const pending = journal.pendingCleanup ?? [];
  if (pending.some((s) => sameCleanupStep(s, step))) return journal;
  return { ...journal, pendingCleanup: [...pending, step] };
}

/** `journal` without `step` (compared by {@link sameCleanupStep}) in `pendingCleanup`. Pure. */
export function removePendingCleanup(journal: Journal, step: CleanupStep): Journal {
  const pending = journal.pendingCleanup ?? [];
  if (!pending.some((s) => sameCleanupStep(s, step))) return journal;
  return { ...journal, pendingCleanup: pending.filter((s) => !sameCleanupStep(s, step)) };
}
