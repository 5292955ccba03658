/**
 * The three steps of every round, shared by measure, pre-copy and the final round: a runc checkpoint
 * (with `--leave-running` except for the final one), a `pagedelta diff` against the previous round into a
 * delta file on the source, and the send of that file to the target's receiver.
 *
 * Tracked mode (kernels with soft-dirty tracking, `sourceFacts.dirtyTracking`): the checkpoints are CRIU
 * pre-dumps (`preDump`) and the final dump, each with the previous round as parent (`parentPath`, see
 * {@link parentPathFor}), and the deltas come from `pagedelta diff-tracked` (`diff(..., { tracked: true })`),
 * which reads no previous image. The target side is the same. The source must keep its chain of rounds
 * (CRIU opens the parent's parent link when dumping); {@link flattenImagesArgv} makes the final dump
 * complete in place (for a restore on the source: rollback).
 */
import * as path from 'node:path';
import { CheckpointFailed, InvalidInput, TimedOut, TransferFailed } from '../../errors';
import { runcCheckpointArgv } from '../../hosts/commands/runc';
import { mkdirArgv, removeFilesArgv, removeUnderArgv, tailArgv } from '../../hosts/commands/files';
import type { RemoteShell } from '../../hosts/remote-shell';
import { run } from '../../hosts/run';
import { DEFAULT_RUNTIME_ROOT } from '../../hosts/commands/docker-paths';
import { bytes, seconds, type Bytes, type BytesPerSecond, type Duration } from '../../units';
import {
  pagedeltaDiffArgv,
  pagedeltaDiffTrackedArgv,
  pagedeltaStatArgv,
  parsePagedeltaStat,
  parsePagedeltaSummary,
  type PagedeltaSummary,
} from './pagedelta';
import type { DataPath } from '../data-path/data-path';
import { engineScriptBody, receiveCommand } from '../data-path/receive-script';
import { checkpointTimeout, deltaTimeout, SHORT_STEP, transferTimeout } from '../timeouts';
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

/** Incremental checkpoints (tracked mode only: they need soft-dirty tracking in the source's kernel). */
export interface IncrementalOptions {
  /** A CRIU pre-dump (`runc checkpoint --pre-dump`): memory only, the container keeps running. */
  readonly preDump?: boolean;
  /** The parent round's image dir RELATIVE to the new one (`--parent-path`), e.g. from {@link parentPathFor}. */
  readonly parentPath?: string;
}

/**
 * `to` relative to image dir `from` (both absolute): the `--parent-path` of a checkpoint into `from` whose
 * parent is `to`, e.g. `../3` for two rounds of one migration. The kernel resolves `..` through the real
 * directories: pass paths without symbolic links in them (runc checks the path lexically).
 * @throws InvalidInput when a path is not absolute or both are the same.
 */
export function parentPathFor(from: string, to: string): string {
  for (const [field, p] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (!p.startsWith('/') || p.includes('\0')) throw new InvalidInput(field, p, 'an absolute path');
  }
  const rel = path.posix.relative(from, to);
  if (rel === '') throw new InvalidInput('to', to, `a directory other than ${from}`);
  return rel;
}

/**
 * `sh -c` that makes image dir `dir` complete in place when it is a tracked dump with a parent (for a
 * restore on the source: the engine's copy of a checkpoint dir breaks the relative `parent` link). It
 * follows the `parent` links to the first dump without one, rebuilds the chain oldest first with
 * `pagedelta diff-tracked | pagedelta apply` into `dir.flat` (about M bytes written per link; intermediate
 * dirs `dir.flat-N` are removed as it goes, also on failure), then swaps it in (`dir` moved to `dir.chain`
 * for the instant of the swap, then removed). Without a `parent` link: nothing to do, exit 0. The script
 * is `provider/engine/scripts/flatten.sh` (static; the pagedelta binary and `dir` are its arguments).
 */
export function flattenImagesArgv(pagedelta: string, dir: string): string[] {
  if (!dir.startsWith('/') || dir.includes('\0')) throw new InvalidInput('dir', dir, 'an absolute path');
  const script = engineScriptBody('flatten.sh'); // provider/engine/scripts/flatten.sh
  return ['sh', '-c', script, 'sh', pagedelta, dir];
}

/**
 * Takes a runc checkpoint of `containerId` into `dir` (created), keeping it running when `leaveRunning`;
 * `incremental` makes it a pre-dump and/or gives it a parent (tracked mode).
 */
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
  incremental: IncrementalOptions = {},
): Promise<CheckpointResult> {
  await run(shell, mkdirArgv(dir, workDir), { timeout: SHORT_STEP });
  const argv = runcCheckpointArgv({
    runtimeRoot: host.runtimeRoot ?? DEFAULT_RUNTIME_ROOT,
    containerId,
    imagePath: dir,
    workPath: workDir,
    leaveRunning,
    tcpEstablished: false,
    fileLocks: true,
    preDump: incremental.preDump === true,
    parentPath: incremental.parentPath,
  });
  const startedAt = clock.now();
  try {
    await run(shell, argv, { timeout: checkpointTimeout(memory) });
  } catch (e) {
    const what = incremental.preDump ? 'runc checkpoint --pre-dump' : 'runc checkpoint';
    // the migration dir goes with the rollback: keep CRIU's own reason in the error
    const log = await run(shell, tailArgv(DUMP_LOG_LINES, `${workDir}/dump.log`), {
      timeout: SHORT_STEP,
    }).then(
      (r) => r.stdout.toString('utf8').trimEnd(),
      () => '',
    );
    throw new CheckpointFailed(`${what} of ${containerId.slice(0, 12)} failed`, runningOn, {
      cause: e,
      hint: log
        ? `the last lines of CRIU's dump.log (removed with the migration dir):\n${log}`
        : `see ${workDir}/dump.log on the source`,
    });
  }
  return { dir, freeze: seconds(clock.now() - startedAt), startedAt };
}

/** Lines of CRIU's dump.log kept in a `CheckpointFailed`. */
export const DUMP_LOG_LINES = 12;

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

/**
 * `pagedelta diff prev cur > file` on the source (`prev` undefined: everything); with `tracked`,
 * `pagedelta diff-tracked cur > file` (`prev` is not read: `cur` is a dump with a parent, or the first).
 */
export async function diff(
  shell: RemoteShell,
  pagedelta: string,
  prev: string | undefined,
  cur: string,
  file: string,
  memory: Bytes,
  clock: Clock,
  options: { readonly tracked?: boolean } = {},
): Promise<DeltaResult> {
  const argv = [
    'sh',
    '-c',
    // the delta holds memory pages: 0600
    'umask 077; out=$1; shift; exec "$@" > "$out"',
    'sh',
    file,
    ...(options.tracked ? pagedeltaDiffTrackedArgv(pagedelta, cur) : pagedeltaDiffArgv(pagedelta, prev, cur)),
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

/**
 * Sends the delta file as round `round` (`full` when the target has no previous round) and removes the file.
 * `limit` (seconds) caps the send's time limit: what is left of the overall migration deadline.
 */
export async function sendDelta(
  shell: RemoteShell,
  path: DataPath,
  delta: DeltaResult,
  round: number,
  full: boolean,
  bandwidth: BytesPerSecond,
  rtt: Duration,
  runningOn: string | undefined,
  limit?: Duration,
): Promise<SendRecord> {
  const own = transferTimeout(delta.summary.bytes, bandwidth, rtt);
  const capped = limit !== undefined && limit < own;
  try {
    const r = await path.send(
      delta.file,
      receiveCommand(full ? 'full' : 'apply', round),
      capped ? limit : own,
    );
    return { bytes: bytes(delta.summary.bytes), duration: r.duration };
  } catch (e) {
    throw new TransferFailed(
      `sending round ${round} (${delta.summary.bytes} bytes) over the ${path.kind} path failed`,
      runningOn,
      {
        cause: e,
        ...(capped && e instanceof TimedOut
          ? {
              hint: `the overall migration deadline ended this round after ${limit.toFixed(1)} s; allow more time (deadline or policy.timeBudget) or migrate when the workload is quieter`,
            }
          : {}),
      },
    );
  } finally {
    await run(shell, removeFilesArgv(delta.file), { timeout: SHORT_STEP }).catch(() => undefined);
  }
}

/** Removes a round directory under `base` on a host (best effort). */
export async function dropRound(shell: RemoteShell, base: string, dir: string): Promise<void> {
  await run(shell, removeUnderArgv(base, dir), { timeout: SHORT_STEP }).catch(() => undefined);
}

/** Creates directories on a host (one command). */
export async function mkdirs(shell: RemoteShell, ...dirs: [string, ...string[]]): Promise<void> {
  await run(shell, mkdirArgv(...dirs), { timeout: SHORT_STEP });
}
