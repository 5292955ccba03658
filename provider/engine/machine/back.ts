/**
 * The handlers that live migrations and recovery share: verify the running target, clean up after a
 * verified move, roll back. They need only the journal and the connected hosts, so a recovery after a
 * crash runs exactly the code a live migration would have run.
 */
import type { MigrationPhase } from '../../errors';
import type { Bytes } from '../../units';
import { describeStep, type CleanupHosts, type FailedStep } from '../rollback/cleanup-steps';
import type { Journal } from '../journal/journal';

import { cleanUpAfterSuccess, rollBack, type RollbackResult } from '../rollback/rollback';
import { hostLabel, type Clock } from '../types';
import { verifyTarget, type VerifyResult, type WorkloadCheck } from '../verify/verify';
import { errorLine } from './phases';
import type { Handlers, HandlerResult } from './run';
import type { JournalWriter } from './writer';

/** What the shared handlers need, and where they leave what they found. */
export interface BackContext {
  /** Both hosts, connected. */
  readonly hosts: CleanupHosts;
  /** Clock. */
  readonly clock: Clock;
  /** Progress lines. */
  readonly say: (phase: MigrationPhase, message: string) => void;
  /** Memory of the container (for the time limits of a restore on the source), bytes. */
  readonly memory: () => Bytes;
  /** The user's probe, run on the target host after a restore. */
  readonly probe: readonly string[] | undefined;
  /** The workload checks. */
  readonly workloadChecks: readonly WorkloadCheck[];
  /** The command an operator runs to finish a fenced migration. */
  readonly fenceCommand: string;
  /** Runs before a rollback (a live migration closes its data path and waits for its image transfer). */
  readonly beforeRollback?: () => Promise<void>;
  /**
   * The user's cutover hook with the target's endpoints (`switch`) or the source's (`rollback`); absent:
   * none (recovery does not know the hook).
   */
  readonly cutover?: (phase: 'switch' | 'rollback') => Promise<void>;
  /** Filled in by the handlers. */
  readonly found: {
    verify?: VerifyResult;
    rollback?: RollbackResult;
    cleanupFailed?: readonly FailedStep[];
    /** What the cutover hook did, one line each. */
    cutover?: string[];
  };
}

/** The journal with the failed steps pending (and nothing else changed). */
export function withPending(failed: readonly FailedStep[]): (j: Journal) => Journal {
  return (j) => ({ ...j, pendingCleanup: failed.map((f) => f.step) });
}

/** Notes for failed cleanup steps. */
export function failedNotes(failed: readonly FailedStep[]): string[] {
  return failed.map((f) => `${describeStep(f.step)}: ${f.why} (kept in the journal for the next recovery)`);
}

/**
 * Runs the cutover hook (clients go to the target as soon as it runs, before it is verified and before the
 * source is removed), then verifies the target copy. The journal records that the hook started before it
 * runs, so that a rollback (a failed hook or verify, here or in a later recovery) knows to send clients back.
 */
async function verifyRunning(ctx: BackContext, w: JournalWriter): Promise<HandlerResult> {
  const j = w.current;
  if (j.targetContainerId === undefined) throw new Error('the journal names no target container');
  if (ctx.cutover !== undefined && j.cutoverStarted !== true) {
    await w.update((x) => ({ ...x, cutoverStarted: true }));
    await ctx.cutover('switch');
    (ctx.found.cutover ??= []).push(`cutover hook: clients sent to ${hostLabel(j.target)}`);
    ctx.say('verify', `cutover hook: clients sent to ${hostLabel(j.target)}`);
  }
  ctx.found.verify = await verifyTarget(
    ctx.hosts.target,
    j.targetContainerId,
    ctx.probe,
    ctx.workloadChecks,
    ctx.clock,
  );
  return { event: { kind: 'verified' } };
}

/** After a rollback, sends clients back to the source when the cutover hook had sent them away. */
async function cutBack(ctx: BackContext, w: JournalWriter): Promise<void> {
  if (w.current.cutoverStarted !== true) return;
  const source = hostLabel(w.current.source);
  if (ctx.cutover === undefined) {
    (ctx.found.cutover ??= []).push(
      `the cutover hook had sent clients to ${hostLabel(w.current.target)}: point them back at ${source} (this run does not know the hook)`,
    );
    return;
  }
  try {
    await ctx.cutover('rollback');
    await w.update((x) => ({ ...x, cutoverStarted: false }));
    (ctx.found.cutover ??= []).push(`cutover hook: clients sent back to ${source}`);
    ctx.say('cleanup', `cutover hook: clients sent back to ${source}`);
  } catch (e) {
    (ctx.found.cutover ??= []).push(`${errorLine(e)}: point clients back at ${source}`);
  }
}

/** Cleans up after a verified move; never throws for a failed step (it stays pending). */
async function cleanUp(ctx: BackContext, w: { current: Journal }): Promise<HandlerResult> {
  const j = w.current;
  const failed = await cleanUpAfterSuccess(j, ctx.hosts, j.targetContainerId!);
  ctx.found.cleanupFailed = failed;
  return { event: { kind: 'done' }, update: withPending(failed) };
}

/** Rolls back, or fences when the target copy cannot be confirmed gone. */
async function rollBackOrFence(ctx: BackContext, w: JournalWriter): Promise<HandlerResult> {
  await ctx.beforeRollback?.();
  const j = w.current;
  const rb = await rollBack(j, ctx.hosts, ctx.memory(), ctx.clock);
  ctx.found.rollback = rb;
  if (rb.fenced !== undefined) {
    const target = hostLabel(j.target);
    return {
      event: {
        kind: 'fenced',
        fence: {
          reason: `the target copy is not known to be gone: ${rb.fenced}`,
          check: `that no container labelled ferry.migration=${j.migrationId} runs on ${target} (docker ps --filter label=ferry.migration=${j.migrationId}) and that its engine answers`,
          command: ctx.fenceCommand,
        },
      },
    };
  }
  ctx.say(
    'cleanup',
    `rolled back${rb.restoredOnSource ? ' (restored on the source from the final images)' : ''}`,
  );
  await cutBack(ctx, w);
  return { event: { kind: 'rolled-back' }, update: withPending(rb.failed) };
}

/** The shared handlers. */
export const BACK_HANDLERS: Handlers<BackContext> = {
  'target-running': verifyRunning,
  verified: cleanUp,
  'rolling-back': rollBackOrFence,
};
