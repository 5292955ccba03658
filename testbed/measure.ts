/**
 * Measures a link through its real path (thin I/O): a probe server in the far cluster's namespace, a probe
 * client in the near cluster's namespace dialling the peer address, so the traffic crosses the relay's
 * delay lines and the HTB classes exactly as SSH traffic does. No SSH: its crypto would cost CPU that the
 * relay needs on this 2-core machine.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { CommandFailed, TimedOut } from '../provider/errors';
import { bytesPerSecond, seconds, type BytesPerSecond, type Duration } from '../provider/units';
import { PROBE_PORT, peerAddress, type ClusterPlan } from './address-plan';
import { inNetns } from './daemon-config';
import { tryRun } from './exec';
import type { LinkSettings } from './link-settings';
import { median, probeBytes, probeRounds, probeTimeoutSeconds } from './measure-stats';
import { HELPER_NICE, PACKAGE_ROOT, helperArgv, helperEnv } from './node-entry';

/** What one measurement found. */
export interface LinkMeasurement {
  /** Median echo round trip, seconds. */
  readonly rtt: Duration;
  /** Every echo round trip, milliseconds. */
  readonly rttSamplesMs: readonly number[];
  /** Throughput from the lower to the higher cluster (a -> b), bytes per second. */
  readonly throughputAtoB: BytesPerSecond;
  /** Throughput from b to a, bytes per second. */
  readonly throughputBtoA: BytesPerSecond;
  /** Bytes sent each way. */
  readonly bytes: number;
}

function startServer(b: ClusterPlan): Promise<ChildProcess> {
  const argv = inNetns(b.netns, [
    ...HELPER_NICE,
    ...helperArgv('probe/main'),
    'serve',
    b.hostAddress,
    String(PROBE_PORT),
  ]);
  const child = spawn(argv[0]!, argv.slice(1), {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: helperEnv(),
    cwd: PACKAGE_ROOT,
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new TimedOut(`probe server in ${b.netns}`, 30, { hint: `stderr: ${err.slice(-300)}` }));
    }, 30000);
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new CommandFailed(argv, code, err, b.netns));
    });
  });
}

/**
 * Measures the link between `a` and `b`: RTT by timed echoes, throughput by sending about 2 s worth of data
 * each way (sized from the set bandwidth).
 * @throws CommandFailed when the probe fails (e.g. the link is cut); TimedOut when it hangs.
 */
export async function measureLink(
  a: ClusterPlan,
  b: ClusterPlan,
  set: LinkSettings,
): Promise<LinkMeasurement> {
  const bytes = probeBytes(set.bandwidth);
  const rounds = probeRounds(set.rtt);
  const server = await startServer(b);
  try {
    const argv = inNetns(a.netns, [
      ...HELPER_NICE,
      ...helperArgv('probe/main'),
      'measure',
      peerAddress(a, b),
      String(PROBE_PORT),
      String(rounds),
      String(bytes),
    ]);
    const r = await tryRun(argv, {
      timeoutSeconds: probeTimeoutSeconds(set.bandwidth, set.rtt),
      env: helperEnv(),
      where: a.netns,
    });
    if (r.code !== 0) throw new CommandFailed(argv, r.code, r.stderr, a.netns);
    const m = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as {
      rttMs: number[];
      upBytesPerSecond: number;
      downBytesPerSecond: number;
    };
    return {
      rtt: seconds(median(m.rttMs) / 1000),
      rttSamplesMs: m.rttMs.map((x) => Math.round(x * 100) / 100),
      throughputAtoB: bytesPerSecond(m.upBytesPerSecond),
      throughputBtoA: bytesPerSecond(m.downBytesPerSecond),
      bytes,
    };
  } finally {
    server.kill('SIGTERM');
  }
}
