/**
 * The three steps of every round, shared by measure, pre-copy and the final round: a runc checkpoint
 * (with `--leave-running` except for the final one), a `pagedelta diff` against the previous round into a
 * delta file on the source, and the send of that file to the target's receiver.
 */
import { CheckpointFailed, TransferFailed } from '../errors';
import { runcCheckpointArgv } from '../hosts/commands/runc';
import { mkdirArgv, removeUnderArgv } from '../hosts/commands/files';
import type { RemoteShell } from '../hosts/remote-shell';
import { run } from '../hosts/run';
import { DEFAULT_RUNTIME_ROOT } from '../hosts/commands/docker-paths';
import { bytes, seconds, type Bytes, type BytesPerSecond, type Duration } from '../units';
import {
  pagedeltaDiffArgv,
  pagedeltaStatArgv,
  parsePagedeltaStat,
  parsePagedeltaSummary,
  type PagedeltaSummary,
} from './pagedelta';
import type { DataPath } from './data-path';
import { receiveCommand } from './receive-script';
import { checkpointTimeout, deltaTimeout, SHORT_STEP, transferTimeout } from './timeouts';
import type { Clock, HostConfigLike } from './round-types';

export type { HostConfigLike } from './round-types';

/** Paths of one round on the source. */
export function sourceRoundDir(sourceDir: string, round: number): string {
  return `${sourceDir}/rounds/${round}`;
}

/** Paths of one round on the target (as the receiver writes them). */
export function targetRoundDir(targetDir: string, round: number): string {
  return `${targetDir}/rounds/${round}`;
}

/** What a checkpoint took. */
export interface CheckpointResult {
  /** Image directory written. */
  readonly dir: string;
  /** Seconds the runc command took: the container is frozen for about this long. */
  readonly freeze: Duration;
  /** Clock reading when the command was started (the freeze begins right after). */
  readonly startedAt: Duration;
}

/** Takes a runc checkpoint of `containerId` into `dir` (created), keeping it running when `leaveRunning`. */
export async function checkpoint(
  shell: RemoteShell,
  host: HostConfigLike,
  containerId: string,
  dir: string,
  workDir: string,
  leaveRunning: boolean,
  memory: Bytes,
  clock: Clock,
  runningOn: string | undefined,
): Promise<CheckpointResult> {
  await run(shell, ['mkdir', '-p', '--', dir, workDir], { timeout: SHORT_STEP });
  const argv = runcCheckpointArgv({
    runtimeRoot: host.runtimeRoot ?? DEFAULT_RUNTIME_ROOT,
    containerId,
    imagePath: dir,
    workPath: workDir,
    leaveRunning,
    tcpEstablished: false,
    fileLocks: true,
  });
  const startedAt = clock.now();
  try {
    await run(shell, argv, { timeout: checkpointTimeout(memory) });
  } catch (e) {
    throw new CheckpointFailed(`runc checkpoint of ${containerId.slice(0, 12)} failed`, runningOn, {
      cause: e,
      hint: `see ${workDir}/dump.log on the source`,
    });
  }
  return { dir, freeze: seconds(clock.now() - startedAt), startedAt };
}

/** Size of the memory in an image directory (pages with data × page size) and its other files. */
export async function imageStat(
  shell: RemoteShell,
  pagedelta: string,
  dir: string,
): Promise<{ memory: Bytes; files: Bytes; pages: number }> {
  const r = await run(shell, pagedeltaStatArgv(pagedelta, dir), { timeout: SHORT_STEP });
  const s = parsePagedeltaStat(r.stdout.toString('utf8'));
  return { memory: s.bytes, files: s.fileBytes, pages: s.pages };
}

/** A delta written to a file on the source. */
export interface DeltaResult {
  /** The delta file. */
  readonly file: string;
  /** pagedelta's summary. */
  readonly summary: PagedeltaSummary;
  /** Seconds the diff took. */
  readonly duration: Duration;
}

/** `pagedelta diff prev cur > file` on the source (`prev` undefined: everything). */
export async function diff(
  shell: RemoteShell,
  pagedelta: string,
  prev: string | undefined,
  cur: string,
  file: string,
  memory: Bytes,
  clock: Clock,
): Promise<DeltaResult> {
  const argv = [
    'sh',
    '-c',
    'out=$1; shift; exec "$@" > "$out"',
    'sh',
    file,
    ...pagedeltaDiffArgv(pagedelta, prev, cur),
  ];
  const t0 = clock.now();
  const r = await run(shell, argv, { timeout: deltaTimeout(memory) });
  return { file, summary: parsePagedeltaSummary(r.stderr), duration: seconds(clock.now() - t0) };
}

/** A round that reached the target. */
export interface SendRecord {
  /** Bytes on the wire (the delta stream's size). */
  readonly bytes: Bytes;
  /** Seconds the send took. */
  readonly duration: Duration;
}

/** Sends the delta file as round `round` (`full` when the target has no previous round) and removes the file. */
export async function sendDelta(
  shell: RemoteShell,
  path: DataPath,
  delta: DeltaResult,
  round: number,
  full: boolean,
  bandwidth: BytesPerSecond,
  rtt: Duration,
  runningOn: string | undefined,
): Promise<SendRecord> {
  try {
    const r = await path.send(
      delta.file,
      receiveCommand(full ? 'full' : 'apply', round),
      transferTimeout(delta.summary.bytes, bandwidth, rtt),
    );
    return { bytes: bytes(delta.summary.bytes), duration: r.duration };
  } catch (e) {
    throw new TransferFailed(
      `sending round ${round} (${delta.summary.bytes} bytes) over the ${path.kind} path failed`,
      runningOn,
      {
        cause: e,
      },
    );
  } finally {
    await run(shell, ['rm', '-f', '--', delta.file], { timeout: SHORT_STEP }).catch(() => undefined);
  }
}

/** Removes a round directory under `base` on a host (best effort). */
export async function dropRound(shell: RemoteShell, base: string, dir: string): Promise<void> {
  await run(shell, removeUnderArgv(base, dir), { timeout: SHORT_STEP }).catch(() => undefined);
}

/** Creates directories on a host. */
export async function mkdirs(shell: RemoteShell, ...dirs: string[]): Promise<void> {
  for (const d of dirs) await run(shell, mkdirArgv(d), { timeout: SHORT_STEP });
}
