/**
 * Recovery of migrations a killed Ferry process left unfinished: for every journal that is not terminal,
 * look at both hosts, decide (pure `decideRecovery`) and finish or roll back.
 */
import { dockerCheckpointDir, DEFAULT_DOCKER_DATA_ROOT } from '../hosts/commands/docker-paths';
import type { ConnectedHost } from '../hosts/connect';
import { bytes } from '../units';
import { DEFAULT_AUTHORIZED_KEYS } from './data-path';
import { isTerminal, transition, type Journal, type JournalEvent, type JournalState } from './journal';
import { removeTargetContainers, rollBack, cleanUpAfterSuccess, type Leftovers } from './rollback';
import { SHORT_STEP } from './timeouts';
import type { MigrationDeps } from './types';
import { verifyTarget } from './verify';

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
export function decideRecovery(journal: Pick<Journal, 'state'>, o: Observed): RecoveryDecision {
  const state = journal.state;
  if (isTerminal(state)) return { action: 'nothing', reason: `the journal is ${state}` };
  if (o.source === 'unreachable' || o.target === 'unreachable')
    return { action: 'wait', reason: 'a host is unreachable: try again when both answer' };
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
  return {
    action: 'manual',
    reason: `the container runs nowhere (source ${o.source}, target ${o.target}) and no final images are on the source`,
  };
}

/** The result of recovering one migration. */
export interface RecoveryResult {
  /** Migration id. */
  readonly migrationId: string;
  /** What was done. */
  readonly action: RecoveryAction;
  /** Why. */
  readonly reason: string;
}

async function observe(host: ConnectedHost | undefined, id: string | undefined): Promise<ObservedContainer> {
  if (host === undefined) return 'unreachable';
  if (id === undefined) return 'absent';
  try {
    const info = await host.runtime.inspect(id, { timeout: SHORT_STEP });
    if (info === undefined) return 'absent';
    return info.state === 'running' ? 'running' : 'stopped';
  } catch {
    return 'unreachable';
  }
}

/** Events that walk a journal from `state` to `done`. */
function finishEvents(state: JournalState): JournalEvent[] {
  const order: JournalEvent[] = [{ kind: 'target-running' }, { kind: 'verified' }, { kind: 'done' }];
  const from = state === 'restoring' ? 0 : state === 'target-running' ? 1 : state === 'verified' ? 2 : 0;
  return order.slice(from);
}

/** Recovers every unfinished migration in `deps.journal`. */
export async function recover(deps: MigrationDeps): Promise<RecoveryResult[]> {
  const results: RecoveryResult[] = [];
  for (const j0 of await deps.journal.list()) {
    if (isTerminal(j0.state)) continue;
    let j: Journal = j0;
    const save = async (ev: JournalEvent): Promise<void> => {
      j = transition(j, ev, deps.clock.wall());
      await deps.journal.save(j);
    };
    const source = await deps.connect(j.source.host).catch(() => undefined);
    const target = await deps.connect(j.target.host).catch(() => undefined);
    try {
      let targetId = j.targetContainerId;
      if (targetId === undefined && target !== undefined) {
        const found = await target.runtime
          .list({ labels: { 'ferry.migration': j.migrationId } })
          .catch(() => []);
        targetId = found[0]?.id;
      }
      const srcCkpt = dockerCheckpointDir(
        j.source.host.dockerDataRoot ?? DEFAULT_DOCKER_DATA_ROOT,
        j.sourceContainerId,
        j.checkpointName,
      );
      const sourceImages =
        source !== undefined &&
        (await source.shell.exec(['test', '-f', `${srcCkpt}/inventory.img`], { timeout: SHORT_STEP }))
          .exitCode === 0;
      const observed: Observed = {
        source: await observe(source, j.sourceContainerId),
        target: await observe(target, targetId),
        sourceImages,
      };
      const d = decideRecovery(j, observed);
      deps.log({ phase: 'cleanup', message: `recover ${j.migrationId}: ${d.action} (${d.reason})` });
      if (
        source !== undefined &&
        target !== undefined &&
        d.action !== 'manual' &&
        d.action !== 'wait' &&
        d.action !== 'nothing'
      ) {
        const l: Leftovers = {
          migrationId: j.migrationId,
          source,
          target,
          sourceId: j.sourceContainerId,
          checkpointName: j.checkpointName,
          sourceDir: j.sourceDir,
          targetDir: j.targetDir,
          authorizedKeysFile:
            j.authorizedKeysFile ?? j.target.host.authorizedKeysFile ?? DEFAULT_AUTHORIZED_KEYS,
          ...(j.sourcePagedelta !== undefined ? { sourcePagedelta: j.sourcePagedelta } : {}),
        };
        if (d.action === 'finish' && targetId !== undefined) {
          await verifyTarget(target, targetId, undefined, [], deps.clock);
          await cleanUpAfterSuccess(l, targetId);
          for (const ev of finishEvents(j.state)) await save(ev);
        } else {
          await save({ kind: 'rolling-back', note: `recover: ${d.reason}` });
          if (d.action === 'roll-back') await removeTargetContainers(target, j.migrationId);
          await rollBack(l, d.action === 'restore-source', bytes(256 * 1024 * 1024), deps.clock);
          await save({ kind: 'rolled-back' });
        }
      }
      results.push({ migrationId: j.migrationId, action: d.action, reason: d.reason });
    } finally {
      await source?.close();
      await target?.close();
    }
  }
  return results;
}
