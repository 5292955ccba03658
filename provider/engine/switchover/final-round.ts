/**
 * Phase 4, the final round: the target container is created (not started); the source is checkpointed for
 * the last time WITHOUT `--leave-running` (the container stops: from here on no copy runs until the
 * restore), straight into the source container's own checkpoint directory, so that a rollback can restore
 * it in place; then the last delta and the root file-system changes go to the target, in parallel.
 */
import { RestoreFailed } from '../../errors';
import { dockerCheckpointDir, DEFAULT_DOCKER_DATA_ROOT } from '../../hosts/commands/docker-paths';
import type { ConnectedHost } from '../../hosts/connect';
import type { ContainerInfo, ContainerSpec } from '../../hosts/container-runtime';
import { seconds, type Bytes, type BytesPerSecond, type Duration } from '../../units';
import type { DataPath } from '../data-path/data-path';
import type { RoundRecord } from '../precopy/precopy';
import { checkpoint, diff, parentPathFor, sendDelta, targetRoundDir } from '../precopy/rounds';
import { transferRootfs, type RootfsResult } from './rootfs';
import { SHORT_STEP } from '../timeouts';
import type { Clock, MigrationHooks } from '../types';

/** Label put on the container created on the target: the migration id. */
export const MIGRATION_LABEL = 'ferry.migration';

/**
 * The spec of the target container: the source's, same name and labels, plus the migration label, with
 * the restart policy `no` until it is verified (no engine may start a second copy on its own during the
 * switchover: the source's policy is put on it afterwards, see {@link fencedRestartPolicy}).
 */
export function targetSpec(source: ContainerInfo, migrationId: string): ContainerSpec {
  return {
    ...source.spec,
    name: source.name,
    image: source.imageId,
    labels: { ...source.labels, ...(source.spec.labels ?? {}), [MIGRATION_LABEL]: migrationId },
    hostConfig: { ...(source.spec.hostConfig ?? {}), restartPolicy: 'no' },
  };
}

/**
 * The restart policy the migration fences (sets to `no` on the source before the final checkpoint, which
 * stops the container under the engine's feet, and puts on the copy that ends up running), or `undefined`
 * when the container has none to fence.
 */
export function fencedRestartPolicy(source: ContainerInfo): string | undefined {
  const p = source.spec.hostConfig?.restartPolicy;
  return p === undefined || p === 'no' ? undefined : p;
}

/** Creates the target container (not started). @throws RestoreFailed. */
export async function createTarget(
  target: ConnectedHost,
  source: ContainerInfo,
  migrationId: string,
  runningOn: string,
): Promise<string> {
  try {
    return await target.runtime.create(targetSpec(source, migrationId), { timeout: SHORT_STEP });
  } catch (e) {
    throw new RestoreFailed(`creating the container on the target failed`, runningOn, { cause: e });
  }
}

/** Inputs of {@link finalRound}. */
export interface FinalRoundInput {
  /** Connected source. */
  readonly source: ConnectedHost;
  /** Connected target. */
  readonly target: ConnectedHost;
  /** The source container. */
  readonly container: ContainerInfo;
  /** Id of the created target container. */
  readonly targetId: string;
  /** Checkpoint name. */
  readonly checkpointName: string;
  /** Migration dir on the source. */
  readonly sourceDir: string;
  /** Migration dir on the target. */
  readonly targetDir: string;
  /** pagedelta on the source. */
  readonly pagedelta: string;
  /** Data path. */
  readonly path: DataPath;
  /** The last round the target holds (absent: stop-and-copy, everything is sent now). */
  readonly last: { readonly index: number; readonly dir: string } | undefined;
  /** The source kernel tracks dirty pages: the final dump takes `last` as parent (tracked pre-copy). */
  readonly dirtyTracking: boolean;
  /** Memory, bytes. */
  readonly memory: Bytes;
  /** Bandwidth estimate, bytes/s. */
  readonly bandwidth: BytesPerSecond;
  /** RTT, seconds. */
  readonly rtt: Duration;
  /** Clock. */
  readonly clock: Clock;
  /** Test hooks. */
  readonly hooks: MigrationHooks | undefined;
  /** `cluster/host` of the source. */
  readonly sourceLabel: string;
}

/** What the final round did. */
export interface FinalRoundResult {
  /** The round record. */
  readonly round: RoundRecord;
  /** Clock reading when the freeze began. */
  readonly frozenAt: Duration;
  /** The final images on the source (its own checkpoint dir: used for a rollback). */
  readonly sourceImageDir: string;
  /** The complete final images on the target (the receiver's round dir). */
  readonly targetImageDir: string;
  /** Root file-system transfer. */
  readonly rootfs: RootfsResult;
}

/** The final checkpoint, done: the source is stopped and its images are in its own checkpoint dir. */
export interface FinalCheckpoint {
  /** The final images on the source. */
  readonly sourceImageDir: string;
  /** The round number of the final round. */
  readonly index: number;
  /** Whether the dump was made against a tracked pre-copy chain. */
  readonly tracked: boolean;
  /** Clock reading when the freeze began. */
  readonly frozenAt: Duration;
  /** The checkpoint's freeze, seconds. */
  readonly freeze: Duration;
}

/** The final checkpoint, WITHOUT `--leave-running`: the container stops. @throws CheckpointFailed. */
export async function finalCheckpoint(i: FinalRoundInput): Promise<FinalCheckpoint> {
  const sourceImageDir = dockerCheckpointDir(
    i.source.config.dockerDataRoot ?? DEFAULT_DOCKER_DATA_ROOT,
    i.container.id,
    i.checkpointName,
  );
  const index = (i.last?.index ?? 0) + 1;
  const tracked = i.dirtyTracking && i.last !== undefined;
  const c = await checkpoint(
    i.source.shell,
    i.source.config,
    i.container.id,
    sourceImageDir,
    `${i.sourceDir}/work-final`,
    false,
    i.memory,
    i.clock,
    i.sourceLabel,
    tracked ? { parentPath: parentPathFor(sourceImageDir, i.last.dir) } : {},
  );
  return { sourceImageDir, index, tracked, frozenAt: c.startedAt, freeze: c.freeze };
}

/**
 * The rest of the final round, the container running nowhere: the last delta and the root file-system
 * changes go to the target, in parallel. @throws TransferFailed (the caller rolls back).
 */
export async function finalTransfer(i: FinalRoundInput, c: FinalCheckpoint): Promise<FinalRoundResult> {
  await i.hooks?.beforeFinalTransfer?.();
  const d = await diff(
    i.source.shell,
    i.pagedelta,
    i.last?.dir,
    c.sourceImageDir,
    `${i.sourceDir}/delta-final`,
    i.memory,
    i.clock,
    { tracked: c.tracked },
  );
  const [sent, rootfs] = await Promise.all([
    sendDelta(i.source.shell, i.path, d, c.index, i.last === undefined, i.bandwidth, i.rtt, undefined),
    transferRootfs(i.source, i.container.id, i.target, i.targetId, i.clock, undefined),
  ]);
  const duration = seconds(i.clock.now() - c.frozenAt);
  return {
    round: {
      index: c.index,
      kind: 'final',
      pagesTotal: d.summary.pagesTotal,
      pagesSent: d.summary.pagesSent,
      pagesUnchanged: d.summary.pagesUnchanged,
      bytes: sent.bytes,
      freeze: c.freeze,
      deltaTime: d.duration,
      transferTime: sent.duration,
      duration,
    },
    frozenAt: c.frozenAt,
    sourceImageDir: c.sourceImageDir,
    targetImageDir: targetRoundDir(i.targetDir, c.index),
    rootfs,
  };
}

/**
 * Runs the final round: {@link finalCheckpoint}, `onFrozen`, then {@link finalTransfer}.
 * Throws CheckpointFailed / TransferFailed (the caller rolls back).
 */
export async function finalRound(
  i: FinalRoundInput & { readonly onFrozen: () => Promise<void> },
): Promise<FinalRoundResult> {
  const c = await finalCheckpoint(i);
  await i.onFrozen();
  return finalTransfer(i, c);
}
