/**
 * Rollback and cleanup. Rollback (any failure before the target is verified): remove everything the
 * migration put on the target, then make sure the container runs on the source: nothing to do when it
 * still runs (a `--leave-running` round failed), else restore it in place from the final images, which
 * the final round wrote into the source container's own checkpoint directory. That restore happens only
 * when the target copy is known to be gone (removed, or its engine says it is not running); otherwise the
 * rollback FENCES: it starts nothing, keeps the images and files, and says so (`RollbackResult.fenced`),
 * since a target that still runs unseen (under its shim, behind a dead engine) would make two copies.
 * The source's restart policy, fenced to `no` for the switchover, is put back on the copy that runs.
 * Cleanup (after success): remove the source container and the migration's files on both hosts.
 */
import type { ConnectedHost } from '../../hosts/connect';
import { run } from '../../hosts/run';
import { seconds, type Bytes } from '../../units';
import {
  rollbackSteps,
  runCleanupSteps,
  sourceCheckpointDir,
  successSteps,
  type CleanupHosts,
  type FailedStep,
} from './cleanup-steps';
import { MIGRATION_LABEL } from '../switchover/final-round';
import type { Journal } from '../journal/journal';
import { ExitedAfterRestore, startFromImages } from '../switchover/restore';
import { flattenImagesArgv } from '../precopy/rounds';
import { deltaTimeout, SHORT_STEP } from '../timeouts';
import type { Clock } from '../types';

/** Links of a tracked pre-copy chain the rollback's time limit allows for (rounds plus the final dump). */
export const FLATTEN_LINKS = 50;

/** What the rollback did. */
export interface RollbackResult {
  /** Whether the source container had to be restored from the final images. */
  readonly restoredOnSource: boolean;
  /**
   * Set when the source had to be restored but the target copy could not be confirmed gone: nothing was
   * started and the final images are kept. Says why the target is not known to be gone.
   */
  readonly fenced?: string;
  /** Problems met on the way. */
  readonly notes: readonly string[];
  /** Cleanup steps that failed: kept in the journal for the next recovery. */
  readonly failed: readonly FailedStep[];
}

/** Removes every container of this migration on the target (found by the migration label). */
export async function removeTargetContainers(target: ConnectedHost, migrationId: string): Promise<void> {
  const found = await target.runtime.list(
    { labels: { [MIGRATION_LABEL]: migrationId } },
    { timeout: SHORT_STEP },
  );
  for (const c of found) await target.runtime.remove(c.id, { force: true, timeout: SHORT_STEP });
}

/** Whether the target copy is known to be gone, and how that is known (or why it is not). */
export type TargetGone =
  { readonly gone: true; readonly how: string } | { readonly gone: false; readonly why: string };

/** States in which a container's processes may be running. */
const LIVE_STATES: ReadonlySet<string> = new Set(['running', 'paused', 'restarting']);

/**
 * Removes every container of this migration on the target (by label, and `targetId` when known), then asks
 * the engine again: gone when it lists none of them live. Never throws: an engine that does not answer
 * gives `gone: false`.
 */
export async function ensureTargetGone(
  target: ConnectedHost,
  migrationId: string,
  targetId?: string,
): Promise<TargetGone> {
  const why = (e: unknown): string => (e instanceof Error ? e.message.split('\n')[0]! : String(e));
  try {
    await removeTargetContainers(target, migrationId);
    if (targetId !== undefined) await target.runtime.remove(targetId, { force: true, timeout: SHORT_STEP });
  } catch (e) {
    return { gone: false, why: `removing the target container failed: ${why(e)}` };
  }
  try {
    const left = await target.runtime.list(
      { labels: { [MIGRATION_LABEL]: migrationId } },
      { timeout: SHORT_STEP },
    );
    const byId =
      targetId === undefined ? undefined : await target.runtime.inspect(targetId, { timeout: SHORT_STEP });
    const live = [...left.map((c) => ({ id: c.id, state: c.state })), ...(byId ? [byId] : [])].filter((c) =>
      LIVE_STATES.has(c.state),
    );
    if (live.length > 0)
      return { gone: false, why: `the target still reports ${live[0]!.id.slice(0, 12)} ${live[0]!.state}` };
    return { gone: true, how: left.length === 0 && byId === undefined ? 'removed' : 'not running' };
  } catch (e) {
    return { gone: false, why: `the target engine did not answer after the removal: ${why(e)}` };
  }
}

/** Waits until the engine no longer reports the container as running (it notices a runc checkpoint late). */
export async function waitNotRunning(
  host: ConnectedHost,
  id: string,
  clock: Clock,
  limit = 30,
): Promise<string> {
  const until = clock.now() + limit;
  for (;;) {
    const info = await host.runtime.inspect(id, { timeout: SHORT_STEP });
    if (info === undefined) return 'gone';
    if (info.state !== 'running') return info.state;
    if (clock.now() > until) return 'running';
    await clock.sleep(seconds(0.2));
  }
}

/**
 * Whether the journal says the final checkpoint stopped the source (it reached `frozen` at some point):
 * derived from the one state, never kept beside it.
 */
export function wasFrozen(j: Pick<Journal, 'history'>): boolean {
  return j.history.some((e) => e.state === 'frozen');
}

/**
 * Rolls back the migration of journal `j`: target copy removed, the container running on the source. When
 * the source must be restored (the final checkpoint stopped it) but the target copy is not known to be
 * gone, it fences instead (`fenced` set, nothing started, images and files kept). The source's restart
 * policy, when the journal says it was fenced, is put back on it.
 * @throws the error of the source restore when the container could not be brought back.
 */
export async function rollBack(
  j: Journal,
  hosts: CleanupHosts,
  memory: Bytes,
  clock: Clock,
): Promise<RollbackResult> {
  const { source, target } = hosts;
  const notes: string[] = [];
  const tgt = await ensureTargetGone(target, j.migrationId, j.targetContainerId);
  if (!tgt.gone) notes.push(`the target copy is not known to be gone: ${tgt.why}`);
  const srcCkpt = sourceCheckpointDir(j);
  let restoredOnSource = false;
  const info = await source.runtime.inspect(j.sourceContainerId, { timeout: SHORT_STEP });
  const imagesThere =
    (await source.shell.exec(['test', '-f', `${srcCkpt}/inventory.img`], { timeout: SHORT_STEP }))
      .exitCode === 0;
  if (wasFrozen(j) || (info !== undefined && info.state !== 'running' && imagesThere)) {
    const state = await waitNotRunning(source, j.sourceContainerId, clock);
    if (state === 'running') {
      notes.push('the source engine still reports the container running after the final checkpoint');
    } else {
      // the source must start again: only when no target copy can be running
      if (!tgt.gone) return { restoredOnSource: false, fenced: tgt.why, notes, failed: [] };
      const pd = j.sourcePagedelta;
      const chained =
        pd !== undefined &&
        (await source.shell.exec(['test', '-L', `${srcCkpt}/parent`], { timeout: SHORT_STEP })).exitCode ===
          0;
      if (pd !== undefined && chained) {
        // a final dump made against a tracked pre-copy chain: complete it in place first; one
        // diff-tracked | apply pass per link of the chain (at most FLATTEN_LINKS)
        await run(source.shell, flattenImagesArgv(pd, srcCkpt), {
          timeout: seconds(deltaTimeout(memory) * FLATTEN_LINKS),
        });
      }
      try {
        await startFromImages(source, j.sourceContainerId, j.checkpointName, undefined, memory, clock);
      } catch (e) {
        if (!(e instanceof ExitedAfterRestore)) throw e;
        // restored, and then the process ended on its own: its engine or the workload stopped it (the
        // images held that request); nothing runs, which is the container's own state, not a failure
        notes.push(`the source container was restored, then exited with code ${e.exitCode} by itself`);
      }
      restoredOnSource = true;
    }
  }
  const failed = await runCleanupSteps(rollbackSteps(j, j.restartPolicy !== undefined), hosts);
  return { restoredOnSource, notes, failed };
}

/**
 * After a verified migration: puts the source's restart policy on the target copy, removes the source
 * container (with its checkpoint dir) and all migration files. Resolves the steps that failed.
 */
export async function cleanUpAfterSuccess(
  j: Journal,
  hosts: CleanupHosts,
  targetId: string,
): Promise<FailedStep[]> {
  return runCleanupSteps(successSteps(j, targetId), hosts);
}
