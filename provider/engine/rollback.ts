/**
 * Rollback and cleanup. Rollback (any failure before the target is verified): remove everything the
 * migration put on the target, then make sure the container runs on the source: nothing to do when it
 * still runs (a `--leave-running` round failed), else restore it in place from the final images, which
 * the final round wrote into the source container's own checkpoint directory. Cleanup (after success):
 * remove the source container and the migration's files on both hosts.
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

/**
 * Rolls back: target cleaned, the container running on the source. `frozen`: the final checkpoint stopped
 * the source. @throws the error of the source restore when the container could not be brought back.
 */
export async function rollBack(
  l: Leftovers,
  frozen: boolean,
  memory: Bytes,
  clock: Clock,
): Promise<RollbackResult> {
  const notes: string[] = [];
  await attempt(notes, 'removing the target container', () =>
    removeTargetContainers(l.target, l.migrationId),
  );
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

/** After a verified migration: removes the source container (with its checkpoint dir) and all migration files. */
export async function cleanUpAfterSuccess(l: Leftovers, targetId: string): Promise<string[]> {
  const notes: string[] = [];
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
