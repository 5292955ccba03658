/**
 * Views derived from the one state of a migration, its journal state (pure): the phase it is in, what a
 * failure in it leads to. Nothing here is stored beside the state.
 */
import type { MigrationPhase } from '../../errors';
import type { JournalEvent, JournalState } from '../journal/journal';

/**
 * The phase each state's work belongs to: what runs while the journal is in that state (the data path and
 * the plan in `started`/`prepared`, the rounds in `copying`, the final checkpoint in `target-created`, ...).
 */
export const PHASE_OF: Readonly<Record<JournalState, MigrationPhase>> = {
  started: 'measure',
  prepared: 'measure',
  copying: 'precopy',
  'target-created': 'checkpoint',
  frozen: 'transfer',
  restoring: 'restore',
  'target-running': 'verify',
  verified: 'cleanup',
  done: 'cleanup',
  'rolling-back': 'cleanup',
  'rolled-back': 'cleanup',
  failed: 'cleanup',
  fenced: 'cleanup',
};

/** The message of an error on one line. */
export function errorLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
}

/** The command that finishes a fenced migration, when the caller names none. */
export const DEFAULT_FENCE_COMMAND = 'ferry migrate --recover --clusters-file <your clusters file>';

/**
 * What a failure of the work of `state` leads to: before the target is verified, a rollback; a rollback that
 * fails (a host or its engine not answering, typically) fences, so that the next recovery retries it once
 * the hosts answer; in the cleanup after a verified move, which never rolls a running target back, `failed`.
 */
export function failureEvent(
  state: JournalState,
  e: unknown,
  fenceCommand: string = DEFAULT_FENCE_COMMAND,
): JournalEvent {
  switch (state) {
    case 'started':
    case 'prepared':
    case 'copying':
    case 'target-created':
    case 'frozen':
    case 'restoring':
    case 'target-running':
      return { kind: 'rolling-back', note: errorLine(e) };
    case 'rolling-back':
    case 'fenced':
      return {
        kind: 'fenced',
        fence: {
          reason: `the rollback failed: ${errorLine(e)}`,
          check: 'that both hosts and their engines answer, and where the container runs',
          command: fenceCommand,
        },
      };
    case 'verified':
    case 'done':
    case 'rolled-back':
    case 'failed':
      return { kind: 'failed', note: errorLine(e) };
  }
}
