/**
 * Phase 2, measure: the link between the two hosts over the data path itself (round-trip time with the
 * receiver's `echo`, bandwidth with its `sink`), and the container's memory size and dirty rate from two
 * quick `--leave-running` checkpoints taken on the source (compared locally with pagedelta; nothing is sent).
 */
import { InvalidInput } from '../../errors';
import type { ConnectedHost } from '../../hosts/connect';
import type { RemoteProcess } from '../../hosts/remote-shell';
import { duArgv, parseDu, removeFilesArgv } from '../../hosts/commands/files';
import { run } from '../../hosts/run';
import type { DirtySample, TransferSample } from '../../model';
import { bytes, mib, seconds, type Bytes, type Duration } from '../../units';
import type { DataPath } from '../data-path/data-path';
import { checkpoint, diff, imageStat, sourceRoundDir, type CheckpointResult } from '../precopy/rounds';
import { changedBytes } from '../precopy/pagedelta';
import { SHORT_STEP } from '../timeouts';
import type { Clock } from '../types';

/** First size of the bandwidth probe, bytes; each next send doubles it. */
export const PROBE_START: Bytes = mib(2);

/** Largest probe send, bytes. */
export const PROBE_MAX: Bytes = mib(32);

/** The probe stops growing once a send takes this long (net of the send overhead), seconds. */
export const PROBE_TARGET_TIME: Duration = seconds(0.25);

/** Sends shorter than this (net) are too short to time well; used only when no longer send exists. */
export const PROBE_MIN_TIME: Duration = seconds(0.1);

/** Sends of nothing, to time the per-send overhead (the fastest counts). */
export const PROBE_EMPTY_SENDS = 2;

/** One bandwidth probe send: its size (bytes) and its duration net of the send overhead (seconds). */
export interface ProbeSend {
  /** Bytes sent. */
  readonly bytes: Bytes;
  /** Seconds, net of the send overhead. */
  readonly net: Duration;
}

/**
 * The probe's next size after `sends` (oldest first), or `undefined` when it has enough: sizes double from
 * {@link PROBE_START} until a send takes {@link PROBE_TARGET_TIME} or {@link PROBE_MAX} was sent. So a slow
 * link costs a few MiB and a fast one at most 62 MiB, each about half a second.
 */
export function nextProbeSize(sends: readonly ProbeSend[]): Bytes | undefined {
  const last = sends[sends.length - 1];
  if (last === undefined) return PROBE_START;
  if (last.net >= PROBE_TARGET_TIME || last.bytes >= PROBE_MAX) return undefined;
  return bytes(Math.min(last.bytes * 2, PROBE_MAX));
}

/**
 * The bandwidth sample of a finished probe: the fastest rate among sends of at least
 * {@link PROBE_MIN_TIME} (a one-off stall must not set the plan), else the longest send.
 */
export function probeSample(sends: readonly ProbeSend[]): TransferSample {
  if (sends.length === 0) throw new InvalidInput('sends', sends, 'at least one probe send');
  const timed = sends.filter((x) => x.net >= PROBE_MIN_TIME);
  const pool = timed.length > 0 ? timed : [sends.reduce((a, b) => (b.net > a.net ? b : a))];
  const best = pool.reduce((a, b) => (b.bytes / b.net > a.bytes / a.net ? b : a));
  return { bytes: best.bytes, duration: seconds(Math.max(best.net, 0.001)) };
}

/** Echo exchanges of the RTT probe. */
export const PROBE_ECHOES = 5;

/** What the link probes found. */
export interface LinkMeasurement {
  /** Round-trip time between the hosts, seconds (median of the echoes, minus the controller's own leg). */
  readonly rtt: Duration;
  /** Seconds a send of nothing takes on this path (SSH handshake, process start). */
  readonly sendOverhead: Duration;
  /** The bandwidth probe, with `sendOverhead` subtracted. */
  readonly sample: TransferSample;
  /** Bytes all probe sends put on the wire. */
  readonly probeBytes: Bytes;
}

/** What the container measurement found. */
export interface ContainerMeasurement {
  /** M: memory in the images, bytes. */
  readonly memory: Bytes;
  /** Size of the non-memory image files, bytes. */
  readonly otherFiles: Bytes;
  /** Dirty volume over the interval between the two checkpoints (absent with one checkpoint). */
  readonly dirty: DirtySample | undefined;
  /** The checkpoints taken (rounds 0 and 1, or only 0), newest last. */
  readonly checkpoints: readonly CheckpointResult[];
}

/** Median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Times `n` line echoes through a running `cat`-like process; returns seconds per echo. */
export async function echoTimes(proc: RemoteProcess, n: number, clock: Clock): Promise<number[]> {
  const times: number[] = [];
  let buf = '';
  let wake: (() => void) | undefined;
  proc.stdout.on('data', (d: Buffer) => {
    buf += d.toString('utf8');
    wake?.();
  });
  for (let k = 0; k < n; k++) {
    const t0 = clock.now();
    const got = new Promise<void>((resolve, reject) => {
      wake = () => {
        const nl = buf.indexOf('\n');
        if (nl >= 0) {
          buf = buf.slice(nl + 1);
          resolve();
        }
      };
      proc.done.then(() => reject(new Error('echo process ended early')), reject);
    });
    proc.stdin.write(`ferry-${k}\n`);
    await got;
    times.push(clock.now() - t0);
  }
  proc.stdin.end();
  await proc.done;
  return times;
}

/** Probes RTT and bandwidth between the hosts over `path`. */
export async function measureLink(
  source: ConnectedHost,
  path: DataPath,
  sourceDir: string,
  clock: Clock,
): Promise<LinkMeasurement> {
  const timeout = seconds(60);
  const local = await source.shell.spawn(['cat'], { timeout });
  const localEcho = median(await echoTimes(local, PROBE_ECHOES, clock));
  const argv = path.directArgv(['echo']);
  let rtt: number;
  if (argv !== undefined) {
    const remote = await source.shell.spawn(argv, { timeout });
    const times = await echoTimes(remote, PROBE_ECHOES + 1, clock);
    rtt = Math.max(0, median(times.slice(1)) - localEcho);
  } else {
    // relayed data crosses the controlling machine: the controller's leg is the path's RTT
    rtt = localEcho;
  }
  const empty = `${sourceDir}/probe-empty`;
  const zeros = `${sourceDir}/probe-zeros`;
  const fill = (size: Bytes): Promise<unknown> =>
    run(source.shell, ['sh', '-c', 'head -c "$2" /dev/zero > "$1"', 'sh', zeros, String(size)], {
      timeout: SHORT_STEP,
    });
  await run(source.shell, ['sh', '-c', ': > "$1"', 'sh', empty], { timeout: SHORT_STEP });
  try {
    let overhead = Infinity;
    for (let k = 0; k < PROBE_EMPTY_SENDS; k++)
      overhead = Math.min(overhead, (await path.send(empty, ['sink'], timeout)).duration);
    const sends: ProbeSend[] = [];
    for (let size = nextProbeSize(sends); size !== undefined; size = nextProbeSize(sends)) {
      await fill(size);
      const full = (await path.send(zeros, ['sink'], timeout)).duration;
      // never credit the link with more than twice what the whole send showed
      sends.push({ bytes: size, net: seconds(Math.max(full - overhead, full / 2)) });
    }
    return {
      rtt: seconds(rtt),
      sendOverhead: seconds(overhead),
      sample: probeSample(sends),
      probeBytes: bytes(sends.reduce((n, x) => n + x.bytes, 0)),
    };
  } finally {
    await run(source.shell, removeFilesArgv(empty, zeros), { timeout: SHORT_STEP }).catch(() => undefined);
  }
}

/** Inputs of {@link measureContainer}. */
export interface ContainerMeasureInput {
  /** Connected source. */
  readonly source: ConnectedHost;
  /** Full id of the container. */
  readonly containerId: string;
  /** Migration directory on the source. */
  readonly sourceDir: string;
  /** pagedelta on the source. */
  readonly pagedelta: string;
  /** Take a second checkpoint to measure the dirty rate. */
  readonly dirtyRate: boolean;
  /** Seconds between the two checkpoints. */
  readonly interval: Duration;
  /** Memory estimate for time limits, bytes. */
  readonly memoryEstimate: Bytes;
  /** Clock. */
  readonly clock: Clock;
  /** `cluster/host` of the source. */
  readonly runningOn: string;
  /**
   * Work to overlap with the interval between the two checkpoints (the link probe), run after round 0;
   * the second checkpoint waits for it.
   */
  readonly between?: () => Promise<void>;
  /** Take the second checkpoint as a `--pre-dump` (the kernel tracks dirty pages: tracked pre-copy). */
  readonly startTracking?: boolean;
}

/** Takes round 0 (and round 1) as `--leave-running` checkpoints on the source and measures M and D. */
export async function measureContainer(i: ContainerMeasureInput): Promise<ContainerMeasurement> {
  const limit = bytes(Math.max(i.memoryEstimate, mib(64)));
  const take = (round: number, preDump = false): Promise<CheckpointResult> =>
    checkpoint(
      i.source.shell,
      i.source.config,
      i.containerId,
      sourceRoundDir(i.sourceDir, round),
      `${i.sourceDir}/work-${round}`,
      true,
      limit,
      i.clock,
      i.runningOn,
      { preDump },
    );
  const c0 = await take(0);
  const stat = await imageStat(i.source.shell, i.pagedelta, c0.dir);
  await i.between?.();
  if (!i.dirtyRate)
    return { memory: stat.memory, otherFiles: stat.files, dirty: undefined, checkpoints: [c0] };
  const wait = i.interval - (i.clock.now() - c0.startedAt);
  if (wait > 0) await i.clock.sleep(seconds(wait));
  // with dirty tracking, round 1 (pre-copy's first round) is a pre-dump: it starts CRIU's tracking
  const c1 = await take(1, i.startTracking ?? false);
  const d = await diff(i.source.shell, i.pagedelta, c0.dir, c1.dir, '/dev/null', stat.memory, i.clock);
  const interval = seconds(Math.max(c1.startedAt - c0.startedAt, 0.001));
  return {
    memory: stat.memory,
    otherFiles: stat.files,
    dirty: { volume: changedBytes(d.summary), interval },
    checkpoints: [c0, c1],
  };
}

/** Size of the container's writable layer on the source (0 when unknown). */
export async function upperDirSize(source: ConnectedHost, upper: string | undefined): Promise<Bytes> {
  if (upper === undefined) return bytes(0);
  try {
    return parseDu((await run(source.shell, duArgv(upper), { timeout: SHORT_STEP })).stdout.toString());
  } catch {
    return bytes(0);
  }
}
