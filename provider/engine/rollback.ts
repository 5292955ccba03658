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
import { dockerCheckpointDir, DEFAULT_DOCKER_DATA_ROOT } from '../hosts/commands/docker-paths';
import { removeUnderArgv } from '../hosts/commands/files';
import type { ConnectedHost } from '../hosts/connect';
import { run } from '../hosts/run';
import { seconds, type Bytes } from '../units';
import { tearDownDataPath } from './data-path';
import { MIGRATION_LABEL } from './final-round';
import { removeCtrdCopiesOfArgv } from './remote';
import { NONCE_FILE, startFromImages } from './restore';
import { flattenImagesArgv } from './rounds';
import { deltaTimeout, SHORT_STEP } from './timeouts';
import type { Clock } from './types';

/** Links of a tracked pre-copy chain the rollback's time limit allows for (rounds plus the final dump). */
export const FLATTEN_LINKS = 50;

/** What a migration may have left behind. */
export interface Leftovers {
  /** Migration id. */
  readonly migrationId: string;
  /** Connected source. */
  readonly source: ConnectedHost;
  /** Connected target. */
  readonly target: ConnectedHost;
  /** Full id of the source container. */
  readonly sourceId: string;
  /** Checkpoint name. */
  readonly checkpointName: string;
  /** Migration dir on the source. */
  readonly sourceDir: string;
  /** Migration dir on the target. */
  readonly targetDir: string;
  /** authorized_keys file on the target. */
  readonly authorizedKeysFile: string;
  /**
   * pagedelta on the source: a final dump made against a tracked pre-copy chain is made complete in place
   * before the source engine restores it (its relative `parent` link would not survive the engine's copy).
   */
  readonly sourcePagedelta?: string;
  /**
   * Ignored (kept for callers that still pass them): containerd's copies are now found by the nonce
   * of this migration's checkpoint (`removeCtrdCopiesOfArgv`), not by a snapshot of /tmp.
   */
  readonly ctrdBeforeSource?: ReadonlySet<string> | undefined;
  /** Ignored: see `ctrdBeforeSource`. */
  readonly ctrdBeforeTarget?: ReadonlySet<string> | undefined;
}

/** What the rollback did. */
export interface RollbackResult {
  /** Whether the source container had to be restored from the final images. */
  readonly restoredOnSource: boolean;
  /**
   * Set when the source had to be restored but the target copy could not be confirmed gone: nothing was
   * started and the final images are kept. Says why the target is not known to be gone.
   */
  readonly fenced?: string;
  /** Problems met on the way (cleanup steps that failed). */
  readonly notes: readonly string[];
}

async function attempt(notes: string[], what: string, f: () => Promise<unknown>): Promise<void> {
  try {
    await f();
  } catch (e) {
    notes.push(`${what}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  }
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

/** Removes the migration's files (dirs, key line, containerd copies) on both hosts. Best effort. */
async function removeFiles(l: Leftovers, notes: string[]): Promise<void> {
  const { source, target } = l;
  await attempt(notes, 'removing the target migration dir', () =>
    run(target.shell, removeUnderArgv(target.config.workDir, l.targetDir), { timeout: SHORT_STEP }),
  );
  await attempt(notes, 'removing the per-migration key', () =>
    tearDownDataPath(target.shell, l.authorizedKeysFile, l.migrationId),
  );
  await attempt(notes, 'removing the source migration dir', () =>
    run(source.shell, removeUnderArgv(source.config.workDir, l.sourceDir), { timeout: SHORT_STEP }),
  );
  for (const [host, where] of [
    [source, 'source'],
    [target, 'target'],
  ] as const) {
    await attempt(notes, `removing containerd checkpoint copies on the ${where}`, () =>
      run(host.shell, removeCtrdCopiesOfArgv(l.checkpointName, NONCE_FILE), { timeout: SHORT_STEP }),
    );
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

/** Optional facts of a rollback. */
export interface RollbackOptions {
  /** The target container's id, when it was created. */
  readonly targetId?: string;
  /** The source's own restart policy, to put back (it was fenced to `no` for the switchover). */
  readonly restartPolicy?: string;
}

/**
 * Rolls back: target cleaned, the container running on the source. `frozen`: the final checkpoint stopped
 * the source. When the source must be restored but the target is not known to be gone, it fences instead
 * (`fenced` set, nothing started, images and files kept).
 * @throws the error of the source restore when the container could not be brought back.
 */
export async function rollBack(
  l: Leftovers,
  frozen: boolean,
  memory: Bytes,
  clock: Clock,
  options: RollbackOptions = {},
): Promise<RollbackResult> {
  const notes: string[] = [];
  const tgt = await ensureTargetGone(l.target, l.migrationId, options.targetId);
  if (!tgt.gone) notes.push(`the target copy is not known to be gone: ${tgt.why}`);
  const srcCkpt = dockerCheckpointDir(
    l.source.config.dockerDataRoot ?? DEFAULT_DOCKER_DATA_ROOT,
    l.sourceId,
    l.checkpointName,
  );
  let restoredOnSource = false;
  const info = await l.source.runtime.inspect(l.sourceId, { timeout: SHORT_STEP });
  const imagesThere =
    (await l.source.shell.exec(['test', '-f', `${srcCkpt}/inventory.img`], { timeout: SHORT_STEP }))
      .exitCode === 0;
  if (frozen || (info !== undefined && info.state !== 'running' && imagesThere)) {
    const state = await waitNotRunning(l.source, l.sourceId, clock);
    if (state === 'running') {
      notes.push('the source engine still reports the container running after the final checkpoint');
    } else {
      // the source must start again: only when no target copy can be running
      if (!tgt.gone) return { restoredOnSource: false, fenced: tgt.why, notes };
      const pd = l.sourcePagedelta;
      const chained =
        pd !== undefined &&
        (await l.source.shell.exec(['test', '-L', `${srcCkpt}/parent`], { timeout: SHORT_STEP })).exitCode ===
          0;
      if (pd !== undefined && chained) {
        // a final dump made against a tracked pre-copy chain: complete it in place first; one
        // diff-tracked | apply pass per link of the chain (at most FLATTEN_LINKS)
        await run(l.source.shell, flattenImagesArgv(pd, srcCkpt), {
          timeout: seconds(deltaTimeout(memory) * FLATTEN_LINKS),
        });
      }
      await startFromImages(l.source, l.sourceId, l.checkpointName, undefined, memory, clock);
      restoredOnSource = true;
    }
  }
  if (options.restartPolicy !== undefined) {
    const policy = options.restartPolicy;
    await attempt(notes, `putting the restart policy ${policy} back on the source`, () =>
      l.source.runtime.setRestartPolicy(l.sourceId, policy, { timeout: SHORT_STEP }),
    );
  }
  await attempt(notes, 'removing the source checkpoint dir', () =>
    run(
      l.source.shell,
      removeUnderArgv(l.source.config.dockerDataRoot ?? DEFAULT_DOCKER_DATA_ROOT, srcCkpt),
      {
        timeout: SHORT_STEP,
      },
    ),
  );
  await removeFiles(l, notes);
  return { restoredOnSource, notes };
}

/**
 * After a verified migration: puts the source's restart policy on the target copy, removes the source
 * container (with its checkpoint dir) and all migration files.
 */
export async function cleanUpAfterSuccess(
  l: Leftovers,
  targetId: string,
  restartPolicy?: string,
): Promise<string[]> {
  const notes: string[] = [];
  if (restartPolicy !== undefined)
    await attempt(notes, `putting the restart policy ${restartPolicy} on the target`, () =>
      l.target.runtime.setRestartPolicy(targetId, restartPolicy, { timeout: SHORT_STEP }),
    );
  await attempt(notes, 'removing the source container', () =>
    l.source.runtime.remove(l.sourceId, { force: true, timeout: SHORT_STEP }),
  );
  const tgtCkptRoot = `${l.target.config.dockerDataRoot ?? DEFAULT_DOCKER_DATA_ROOT}/containers/${targetId}/checkpoints`;
  await attempt(notes, 'removing the target checkpoint dir', () =>
    run(l.target.shell, removeUnderArgv(tgtCkptRoot, `${tgtCkptRoot}/${l.checkpointName}`), {
      timeout: SHORT_STEP,
    }),
  );
  await removeFiles(l, notes);
  return notes;
}
