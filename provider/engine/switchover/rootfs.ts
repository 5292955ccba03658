/**
 * Root file-system changes of the final round: what the container wrote, changed and deleted since its
 * image (the engine's diff API) is carried to the target container before it starts. Written and changed
 * paths travel as tar archives through the archive API; deletions become overlay whiteouts in the target
 * container's writable layer (a created container already has one).
 */
import { posix } from 'node:path';
import { TransferFailed } from '../../errors';
import { isStrictlyInside } from '../../hosts/commands/validate';
import type { ConnectedHost } from '../../hosts/connect';
import type { FsChange } from '../../hosts/container-runtime';
import { run } from '../../hosts/run';
import { seconds, type Duration } from '../../units';
import { SHORT_STEP } from '../timeouts';
import type { Clock } from '../types';

/** Paths the engine manages itself (bind-mounted per container): never copied. */
export const ENGINE_MANAGED = ['/etc/hostname', '/etc/hosts', '/etc/resolv.conf', '/.dockerenv'];

/** What to carry: paths to archive and paths to delete (both minimal: no path inside another). */
export interface RootfsPlan {
  /** Paths to copy with the archive API. */
  readonly copy: readonly string[];
  /** Paths to delete on the target. */
  readonly remove: readonly string[];
}

const isUnder = (parent: string, p: string): boolean =>
  p.startsWith(parent === '/' ? '/' : `${parent}/`) && p !== parent;

/**
 * Plans the transfer of `changes` (pure): an added path is copied whole (its children are skipped); a
 * changed directory that only changed because of entries below it is not copied itself; deletions below a
 * deleted directory are implied by it. Engine-managed files are skipped.
 */
export function planRootfs(changes: readonly FsChange[]): RootfsPlan {
  // a path that is not absolute cannot be placed in the target container: it is not carried
  const live = changes.filter((c) => c.path.startsWith('/') && !ENGINE_MANAGED.includes(c.path));
  const added = live.filter((c) => c.kind === 'added').map((c) => c.path);
  const copy: string[] = [];
  for (const c of live) {
    if (c.kind === 'deleted') continue;
    if (added.some((a) => isUnder(a, c.path))) continue;
    if (c.path === '/') continue;
    if (c.kind === 'changed' && live.some((o) => isUnder(c.path, o.path))) continue;
    copy.push(c.path);
  }
  const deleted = live.filter((c) => c.kind === 'deleted').map((c) => c.path);
  const remove = deleted.filter((d) => !deleted.some((o) => isUnder(o, d)));
  return { copy: [...new Set(copy)].sort(), remove: [...new Set(remove)].sort() };
}

/** `sh -c` that replaces `path` by an overlay whiteout (character device 0/0). */
export function whiteoutArgv(upperDir: string, path: string): string[] {
  const target = posix.join(upperDir, path);
  if (!isStrictlyInside(upperDir, target))
    throw new TransferFailed(`refusing whiteout outside the layer: ${path}`, undefined);
  return ['sh', '-c', 'rm -rf -- "$1" && mknod "$1" c 0 0', 'sh', target];
}

/** What the root file-system transfer did. */
export interface RootfsResult {
  /** The plan. */
  readonly plan: RootfsPlan;
  /** Seconds it took. */
  readonly duration: Duration;
}

/** Carries the source container's root file-system changes into the (created, not started) target container. */
export async function transferRootfs(
  source: ConnectedHost,
  sourceId: string,
  target: ConnectedHost,
  targetId: string,
  clock: Clock,
  runningOn: string | undefined,
): Promise<RootfsResult> {
  const t0 = clock.now();
  try {
    const plan = planRootfs(await source.runtime.changes(sourceId, { timeout: SHORT_STEP }));
    if (plan.copy.length > 0) {
      for await (const a of source.runtime.exportPaths(sourceId, plan.copy, { timeout: seconds(300) })) {
        await target.runtime.putArchive(targetId, a.parentDir, a.tar, { timeout: seconds(300) });
      }
    }
    if (plan.remove.length > 0) {
      const info = await target.runtime.inspect(targetId);
      const upper = info?.graphDriver.data.UpperDir;
      if (upper === undefined)
        throw new Error(`the target's storage driver (${info?.graphDriver.name}) has no UpperDir`);
      for (const p of plan.remove) await run(target.shell, whiteoutArgv(upper, p), { timeout: SHORT_STEP });
    }
    return { plan, duration: seconds(clock.now() - t0) };
  } catch (e) {
    throw new TransferFailed('carrying the root file-system changes failed', runningOn, { cause: e });
  }
}
