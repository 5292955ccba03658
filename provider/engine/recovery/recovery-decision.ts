/**
 * What recovery does with an unfinished migration, from its journal state and what both hosts show (pure).
 */
import { isTerminal, type Journal } from '../journal/journal';

/** What was seen of a container on a host. */
export type ObservedContainer = 'running' | 'stopped' | 'absent' | 'unreachable';

/** What recovery observed on both hosts. */
export interface Observed {
  /** The source container. */
  readonly source: ObservedContainer;
  /** The target container (by the journal's id, or by the migration label). */
  readonly target: ObservedContainer;
  /** Whether the final images are in the source container's checkpoint dir. */
  readonly sourceImages: boolean;
}

/** What recovery does. */
export type RecoveryAction = 'nothing' | 'wait' | 'finish' | 'roll-back' | 'restore-source' | 'manual';

/** A decision with its reason. */
export interface RecoveryDecision {
  /** What to do. */
  readonly action: RecoveryAction;
  /** Why. */
  readonly reason: string;
}

/** Decides what to do with an unfinished migration from its journal and what both hosts show (pure). */
export function decideRecovery(
  journal: Pick<Journal, 'state'> & Partial<Pick<Journal, 'history'>>,
  o: Observed,
): RecoveryDecision {
  const state = journal.state;
  // the final checkpoint stopped the source at some point: its final images are the state
  const frozen =
    ['frozen', 'restoring', 'target-running', 'verified'].includes(state) ||
    (journal.history?.some((e) => e.state === 'frozen') ?? false);
  if (isTerminal(state)) return { action: 'nothing', reason: `the journal is ${state}` };
  if (o.source === 'unreachable' || o.target === 'unreachable')
    return { action: 'wait', reason: 'a host is unreachable: try again when both answer' };
  if (state === 'rolling-back')
    // a rollback was decided (e.g. the target failed verification): carry it through, whatever runs
    return o.source === 'running'
      ? { action: 'roll-back', reason: 'the journal is rolling back and the source still runs' }
      : !o.sourceImages && o.target === 'running'
        ? {
            action: 'manual',
            reason:
              'the journal is rolling back, but only the target runs and the source has no final images',
          }
        : o.sourceImages
          ? {
              action: 'restore-source',
              reason: 'the journal is rolling back: remove the target copy, then restore the source',
            }
          : stoppedOutside(frozen, o);
  if (o.target === 'running') {
    if (o.source === 'running')
      return { action: 'manual', reason: 'the container runs on both hosts: decide which copy to keep' };
    return {
      action: 'finish',
      reason: 'the target runs and the source does not: verify it and remove the source',
    };
  }
  if (o.source === 'running')
    return {
      action: 'roll-back',
      reason: 'the source still runs: remove what the migration left on the target',
    };
  if (o.source === 'stopped' && o.sourceImages)
    return {
      action: 'restore-source',
      reason: 'the source is stopped and its final images are there: restore it in place',
    };
  return stoppedOutside(frozen, o);
}

/**
 * Nothing runs and the source has no final images. Before any final checkpoint the migration never
 * stopped the source (its engine or someone else did): roll back what the migration left, and leave the
 * source as its engine left it. After one, the images the state was in are gone: a person must look.
 */
function stoppedOutside(frozen: boolean, o: Observed): RecoveryDecision {
  if (!frozen && o.target !== 'running')
    return {
      action: 'roll-back',
      reason: `the source is ${o.source} without a final checkpoint of this migration (stopped outside Ferry): remove what the migration left, the source stays as its engine left it`,
    };
  return {
    action: 'manual',
    reason: `the container runs nowhere (source ${o.source}, target ${o.target}) and no final images are on the source`,
  };
}
