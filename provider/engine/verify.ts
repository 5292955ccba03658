/**
 * Phase 6, verify: the restored container runs on the target (engine state, and its init process alive a
 * moment later), and an optional user probe succeeds. The runtime interface has no exec, so the probe runs
 * on the target host through its shell, with `FERRY_CONTAINER_ID` and `FERRY_CONTAINER_PID` in its
 * environment (e.g. `nsenter -t "$FERRY_CONTAINER_PID" -a cat /data/marker`).
 */
import { VerifyFailed } from '../errors';
import type { ConnectedHost } from '../hosts/connect';
import { seconds, type Duration } from '../units';
import { SHORT_STEP } from './timeouts';
import type { Clock } from './types';

/** argv of the user probe with the container's id and PID in its environment. */
export function probeArgv(probe: readonly string[], containerId: string, pid: number): string[] {
  return ['env', `FERRY_CONTAINER_ID=${containerId}`, `FERRY_CONTAINER_PID=${pid}`, ...probe];
}

/**
 * The dirtier workload's own view of the downtime, milliseconds, from the target's log: its `gap_ms=<n>`
 * line (printed after the first tick that came late), else the newest `max_gap_ms=<n>` of its verify lines
 * (the longest gap of its life, so it still holds the downtime when the engine's log copier missed the
 * `gap_ms` line right after the restore). `undefined` for other workloads.
 */
export function parseWorkloadGap(logs: string): number | undefined {
  const m = /^gap_ms=(\d+)/m.exec(logs);
  if (m) return Number(m[1]);
  const max = [...logs.matchAll(/\bmax_gap_ms=(\d+)/g)];
  return max.length > 0 ? Number(max[max.length - 1]![1]) : undefined;
}

/** What verification found. */
export interface VerifyResult {
  /** PID of the container's init on the target host. */
  readonly pid: number;
  /** Whether a probe ran (and passed). */
  readonly probed: boolean;
  /** The workload's own gap report, milliseconds (dirtier's `gap_ms`), when it printed one. */
  readonly workloadGapMs: number | undefined;
}

/** Verifies the target container. @throws VerifyFailed (the caller rolls back). */
export async function verifyTarget(
  target: ConnectedHost,
  targetId: string,
  probe: readonly string[] | undefined,
  clock: Clock,
  settle: Duration = seconds(1),
): Promise<VerifyResult> {
  const fail = (what: string, cause?: unknown): VerifyFailed =>
    new VerifyFailed(what, undefined, cause === undefined ? {} : { cause });
  await clock.sleep(settle);
  const info = await target.runtime.inspect(targetId, { timeout: SHORT_STEP });
  if (info === undefined || info.state !== 'running' || info.pid <= 0) {
    throw fail(
      `the container is ${info?.state ?? 'gone'} on the target ${info ? `(exit code ${info.exitCode})` : ''}`,
    );
  }
  const alive = await target.shell.exec(['test', '-d', `/proc/${info.pid}`], { timeout: SHORT_STEP });
  if (alive.exitCode !== 0) throw fail(`the container's process ${info.pid} is gone`);
  if (probe !== undefined && probe.length > 0) {
    const r = await target.shell.exec(probeArgv(probe, targetId, info.pid), { timeout: SHORT_STEP });
    if (r.exitCode !== 0)
      throw fail(`the probe ${probe.join(' ')} exited ${r.exitCode}: ${r.stderr.trim().slice(0, 300)}`);
  }
  let workloadGapMs: number | undefined;
  try {
    workloadGapMs = parseWorkloadGap(await target.runtime.logs(targetId, { tail: 200, timeout: SHORT_STEP }));
  } catch {
    workloadGapMs = undefined;
  }
  return { pid: info.pid, probed: probe !== undefined && probe.length > 0, workloadGapMs };
}
