/**
 * Phase 6, verify: the restored container runs on the target (engine state, and its init process alive a
 * moment later), and an optional user probe succeeds. The runtime interface has no exec, so the probe runs
 * on the target host through its shell, with `FERRY_CONTAINER_ID` and `FERRY_CONTAINER_PID` in its
 * environment (e.g. `nsenter -t "$FERRY_CONTAINER_PID" -a cat /data/marker`).
 */
import { VerifyFailed } from '../../errors';
import type { ConnectedHost } from '../../hosts/connect';
import { seconds, type Duration } from '../../units';
import { SHORT_STEP } from '../timeouts';
import type { Clock } from '../types';

/** argv of the user probe with the container's id and PID in its environment. */
export function probeArgv(probe: readonly string[], containerId: string, pid: number): string[] {
  return ['env', `FERRY_CONTAINER_ID=${containerId}`, `FERRY_CONTAINER_PID=${pid}`, ...probe];
}

/** What a verify step gives a workload check: the restored container on the target. */
export interface WorkloadCheckContext {
  /** The target host (its shell and its container runtime). */
  readonly target: ConnectedHost;
  /** Docker id of the restored container on the target. */
  readonly containerId: string;
  /** PID of the container's init process on the target host. */
  readonly pid: number;
}

/** What a workload check observed. */
export interface WorkloadObservation {
  /** The pause the workload itself saw across the move, seconds, when it can tell. */
  readonly gap?: Duration;
  /** One line for the report, e.g. `counter 1234 -> 1241, memory verified`. */
  readonly note?: string;
}

/**
 * A check of the workload itself after a restore, passed in by whoever knows the workload (tests, the
 * bench, a user of the engine). The engine knows no workload: it runs each check after its own and puts
 * what they observed into the report. A check that throws fails the verify phase, and the migration is
 * rolled back.
 */
export interface WorkloadCheck {
  /** Short name for the report, e.g. `dirtier`. */
  readonly name: string;
  /** Checks the restored workload. @throws anything to fail the migration (its message is reported). */
  check(context: WorkloadCheckContext): Promise<WorkloadObservation>;
}

/** One workload check's observation, named. */
export interface NamedObservation extends WorkloadObservation {
  /** The check's name. */
  readonly name: string;
}

/** What verification found. */
export interface VerifyResult {
  /** PID of the container's init on the target host. */
  readonly pid: number;
  /** Whether a probe ran (and passed). */
  readonly probed: boolean;
  /** What the workload checks observed, in the order given. */
  readonly workload: readonly NamedObservation[];
}

/**
 * Verifies the target container: running, its process alive, the user probe, then the workload checks.
 * @param settle - how long to wait before looking, seconds.
 * @throws VerifyFailed (the caller rolls back).
 */
export async function verifyTarget(
  target: ConnectedHost,
  targetId: string,
  probe: readonly string[] | undefined,
  checks: readonly WorkloadCheck[],
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
  const workload: NamedObservation[] = [];
  for (const c of checks) {
    let seen: WorkloadObservation;
    try {
      seen = await c.check({ target, containerId: targetId, pid: info.pid });
    } catch (e) {
      throw fail(`the workload check ${c.name} failed: ${e instanceof Error ? e.message : String(e)}`, e);
    }
    workload.push({ name: c.name, ...seen });
  }
  return { pid: info.pid, probed: probe !== undefined && probe.length > 0, workload };
}
