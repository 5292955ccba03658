/**
 * The container's image on the target, when the target engine lacks it (by ID): `docker save` into the
 * source's migration directory, the tar sent over the migration's data path (direct source -> target, the
 * relay through this machine only as its fallback) to the receiver's `image` command, `docker load` on the
 * target, then both tars removed. It runs while the memory rounds run and shares the link with them.
 */
import { TransferFailed } from '../../errors';
import {
  dockerImageSizeArgv,
  dockerLoadArgv,
  dockerSaveArgv,
  parseImageSize,
} from '../../hosts/commands/docker-cli';
import { duArgv, parseDu, removeFilesArgv } from '../../hosts/commands/files';
import type { ConnectedHost } from '../../hosts/connect';
import type { RemoteShell } from '../../hosts/remote-shell';
import { run, runText } from '../../hosts/run';
import { formatBytes, formatDuration, seconds, type Bytes, type Duration } from '../../units';
import type { DataPath, DataPathKind } from '../data-path/data-path';
import { receiveCommand } from '../data-path/receive-script';
import { imageTransferTimeout, localImageTimeout, SHORT_STEP } from '../timeouts';
import type { Clock } from '../types';

/** Name of the image tar in both migration directories (the receiver's `image` command writes it). */
export const IMAGE_TAR = 'image.tar';

/** Inputs of {@link sendImage}. */
export interface ImageTransferInput {
  /** Connected source (its engine has the image). */
  readonly source: ConnectedHost;
  /** Connected target (its engine lacks the image). */
  readonly target: ConnectedHost;
  /** The migration's data path (its receiver is installed in `targetDir`). */
  readonly path: DataPath;
  /** The image ID, `sha256:<64 hex>`. */
  readonly imageId: string;
  /** Migration directory on the source (exists). */
  readonly sourceDir: string;
  /** Migration directory on the target (exists, holds `receive.sh`). */
  readonly targetDir: string;
  /** Clock for the durations. */
  readonly clock: Clock;
  /** Where the container runs (for the error), e.g. `cluster-a/host-1`. */
  readonly runningOn: string | undefined;
}

/** What the image transfer did. */
export interface ImageTransferResult {
  /** The image ID sent. */
  readonly imageId: string;
  /** Size of the `docker save` tar, bytes (= bytes on the wire). */
  readonly bytes: Bytes;
  /** Seconds `docker save` took on the source. */
  readonly save: Duration;
  /** Seconds the send over the data path took. */
  readonly send: Duration;
  /** Seconds `docker load` took on the target. */
  readonly load: Duration;
  /** The path the tar took. */
  readonly path: DataPathKind;
}

/**
 * Sends image `imageId` from the source engine to the target engine over `path` (see the module comment).
 * Success of every step is decided by its exit code.
 * @throws TransferFailed naming the step that failed (the cause attached).
 */
export async function sendImage(i: ImageTransferInput): Promise<ImageTransferResult> {
  const src = i.source.shell;
  const tgt = i.target.shell;
  const srcTar = `${i.sourceDir}/${IMAGE_TAR}`;
  const tgtTar = `${i.targetDir}/${IMAGE_TAR}`;
  const since = (t0: number): Duration => seconds(i.clock.now() - t0);
  let step = 'docker save on the source';
  try {
    const size = parseImageSize(
      await runText(src, dockerImageSizeArgv(i.source.config.dockerSocket, i.imageId), {
        timeout: SHORT_STEP,
      }),
    );
    let t0 = i.clock.now();
    await run(src, dockerSaveArgv(i.source.config.dockerSocket, srcTar, i.imageId), {
      timeout: localImageTimeout(size),
    });
    const save = since(t0);
    const tarBytes = await fileSize(src, srcTar);
    step = `sending ${formatBytes(tarBytes)} over the ${i.path.kind} path`;
    const sent = await i.path.send(srcTar, receiveCommand('image'), imageTransferTimeout(tarBytes));
    const received = await fileSize(tgt, tgtTar);
    if (received !== tarBytes) {
      throw new TransferFailed(`image: the target received ${received} of ${tarBytes} bytes`, i.runningOn);
    }
    step = 'docker load on the target';
    t0 = i.clock.now();
    await run(tgt, dockerLoadArgv(i.target.config.dockerSocket, tgtTar), {
      timeout: localImageTimeout(tarBytes),
    });
    const load = since(t0);
    return { imageId: i.imageId, bytes: tarBytes, save, send: sent.duration, load, path: i.path.kind };
  } catch (e) {
    if (e instanceof TransferFailed) throw e;
    throw new TransferFailed(`image ${i.imageId.slice(0, 19)}: ${step} failed`, i.runningOn, {
      cause: e,
      hint: 'check free disk in both work dirs and `docker save`/`docker load` with the docker CLI on the hosts',
    });
  } finally {
    await removeQuietly(src, srcTar);
    await removeQuietly(tgt, tgtTar);
  }
}

async function removeQuietly(shell: RemoteShell, file: string): Promise<void> {
  await run(shell, removeFilesArgv(file), { timeout: SHORT_STEP }).catch(() => undefined);
}

async function fileSize(shell: RemoteShell, file: string): Promise<Bytes> {
  return parseDu(await runText(shell, duArgv(file), { timeout: SHORT_STEP }));
}

/** One progress line for a finished image transfer, e.g. `image sha256:0123… sent over the direct path: …`. */
export function describeImageTransfer(r: ImageTransferResult): string {
  return (
    `image ${r.imageId.slice(0, 19)} sent over the ${r.path} path: ${formatBytes(r.bytes)}, ` +
    `save ${formatDuration(r.save)}, send ${formatDuration(r.send)}, load ${formatDuration(r.load)}`
  );
}
