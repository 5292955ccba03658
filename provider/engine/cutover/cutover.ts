/**
 * The cutover hook: a program the user names, run on the machine that runs Ferry with where clients reach
 * the service now, as JSON on its stdin (a DNS record, a load balancer's backend, a front door). It runs
 * right after the target copy runs, before it is verified and before the source is removed, so that clients
 * are sent to the new copy as early as possible; on a rollback after it ran, it runs again with the source's
 * endpoints. Exit 0 means done; anything else fails the switchover, which then rolls back.
 */
import { CutoverFailed } from '../../errors';
import type { LocalResult } from '../../hosts/local-command';
import { seconds, type Duration } from '../../units';
import type { Endpoint } from './endpoints';

/** What the hook reads on stdin (`version` 1). */
export interface CutoverEvent {
  /** Always 1. */
  readonly version: 1;
  /** `switch`: clients go to `to`; `rollback`: back to `from`, where the container runs again. */
  readonly phase: 'switch' | 'rollback';
  /** The migration. */
  readonly migrationId: string;
  /** Container name. */
  readonly container: string;
  /** Where the container ran before the move, `cluster/host`. */
  readonly from: string;
  /** Where it was moved to, `cluster/host`. */
  readonly to: string;
  /** Where clients reach the service now (the target's endpoints on `switch`, the source's on `rollback`). */
  readonly endpoints: readonly Endpoint[];
  /** Where they reached it before this call. */
  readonly previous: readonly Endpoint[];
}

/** Longest a hook may run. */
export const CUTOVER_TIMEOUT: Duration = seconds(60);

/** Runs a program with bytes on stdin (`runLocal`, injected so the engine's tests need no process). */
export type LocalRunner = (argv: readonly string[], stdin: Buffer, timeout: Duration) => Promise<LocalResult>;

/**
 * Runs hook `argv` with `event` as one line of JSON on stdin.
 * @throws CutoverFailed naming the exit code (or the time limit) and the hook's last output.
 */
export async function runCutover(
  argv: readonly string[],
  event: CutoverEvent,
  run: LocalRunner,
): Promise<void> {
  const r = await run(argv, Buffer.from(`${JSON.stringify(event)}\n`), CUTOVER_TIMEOUT);
  if (r.exitCode === 0) return;
  const how = r.timedOut
    ? `did not finish within ${CUTOVER_TIMEOUT} s`
    : `exited with ${r.exitCode ?? 'a signal'}`;
  throw new CutoverFailed(
    argv,
    event.phase,
    `${how}${r.output.trim() ? `: ${r.output.trim().split('\n').slice(-3).join(' | ')}` : ''}`,
  );
}
