/**
 * The workload check of the test bed's dirtier (workloads/dirtier.c), for `MigrationRequest.workloadChecks`:
 * after a restore it reads the container's log on the target, fails when a memory verification failed, and
 * reports the pause the dirtier itself saw. The engine knows no workload; tests and the bench pass this in.
 */
import type { WorkloadCheck, WorkloadObservation } from '../../provider/engine';
import { seconds } from '../../provider/units';

/** How many log lines the check reads. */
const TAIL_LINES = 200;
/** Time limit of the log read, seconds. */
const LOG_TIMEOUT = seconds(15);

/**
 * The dirtier's own view of the downtime, milliseconds, from its log: its `gap_ms=<n>` line (printed after
 * the first tick that came late), else the newest `max_gap_ms=<n>` of its verify lines (the longest gap of
 * its life, so it still holds the downtime when the engine's log copier missed the `gap_ms` line right
 * after the restore). `undefined` when the log has neither.
 */
export function parseWorkloadGap(logs: string): number | undefined {
  const m = /^gap_ms=(\d+)/m.exec(logs);
  if (m) return Number(m[1]);
  const max = [...logs.matchAll(/\bmax_gap_ms=(\d+)/g)];
  return max.length > 0 ? Number(max[max.length - 1]![1]) : undefined;
}

/** The first `verify=` line of the log that is not `verify=ok`, if any. */
export function failedVerify(logs: string): string | undefined {
  return logs.split('\n').find((l) => l.startsWith('verify=') && !l.startsWith('verify=ok '));
}

/** What the dirtier's log says (pure): its pause, or an error naming the failed verification. */
export function observeDirtierLog(logs: string): WorkloadObservation {
  const bad = failedVerify(logs);
  if (bad !== undefined) throw new Error(`the dirtier's memory check failed: ${bad.slice(0, 200)}`);
  const gapMs = parseWorkloadGap(logs);
  return gapMs === undefined
    ? { note: 'no gap line in the log yet' }
    : { gap: seconds(gapMs / 1000), note: `the dirtier saw a pause of ${gapMs} ms` };
}

/** The dirtier's workload check. A log that cannot be read is noted, not a failure. */
export function dirtierCheck(): WorkloadCheck {
  return {
    name: 'dirtier',
    async check({ target, containerId }) {
      let logs: string;
      try {
        logs = await target.runtime.logs(containerId, { tail: TAIL_LINES, timeout: LOG_TIMEOUT });
      } catch (e) {
        return { note: `log unreadable: ${e instanceof Error ? e.message : String(e)}` };
      }
      return observeDirtierLog(logs);
    },
  };
}
