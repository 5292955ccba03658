/**
 * Phase 3, pre-copy rounds. This kernel has no soft-dirty tracking, so every round is a full
 * `--leave-running` checkpoint on the source, and `pagedelta` sends only the pages whose content changed
 * since the previous round; the target rebuilds a complete image directory after every round. A
 * `RoundDecider` (the online controller of `provider/model`, or a fixed stop rule) decides after each round
 * whether to go on, switch over or abort.
 */
import { MigrationAborted } from '../../errors';
import type { ConnectedHost } from '../../hosts/connect';
import { bytes, seconds, type Bytes, type Duration } from '../../units';
import type { DataPath } from '../data-path/data-path';
import { remaining } from '../timeouts';
import type { RoundDecider, RoundVerdict } from './round-deciders';
import {
  checkpoint,
  diff,
  dropRound,
  parentPathFor,
  sendDelta,
  sourceRoundDir,
  targetRoundDir,
  type CheckpointResult,
} from './rounds';
import type { Clock, MigrationHooks, ProgressEvent } from '../types';

/** What happened in one round. Sizes in bytes, times in seconds. */
export interface RoundRecord {
  /** Round number as the target knows it. */
  readonly index: number;
  /** `precopy` (container kept running) or `final` (container stopped). */
  readonly kind: 'precopy' | 'final';
  /** Pages in the image. */
  readonly pagesTotal: number;
  /** Pages sent (changed since the previous round). */
  readonly pagesSent: number;
  /** Pages not sent. */
  readonly pagesUnchanged: number;
  /** Bytes on the wire. */
  readonly bytes: Bytes;
  /** Container frozen during the checkpoint. */
  readonly freeze: Duration;
  /** Local delta computation. */
  readonly deltaTime: Duration;
  /** Sending the delta. */
  readonly transferTime: Duration;
  /** From the checkpoint's start to the end of the send. */
  readonly duration: Duration;
  /** The decider's verdict after the round (pre-copy rounds only). */
  readonly decision?: string;
}

/** Inputs of {@link precopy}. */
export interface PrecopyInput {
  /** Connected source. */
  readonly source: ConnectedHost;
  /** Connected target. */
  readonly target: ConnectedHost;
  /** Full id of the source container. */
  readonly containerId: string;
  /** Migration dirs. */
  readonly sourceDir: string;
  /** Migration dir on the target. */
  readonly targetDir: string;
  /** pagedelta on the source. */
  readonly pagedelta: string;
  /** The data path. */
  readonly path: DataPath;
  /** The newest checkpoint already taken on the source, sent as the first round. */
  readonly first: CheckpointResult & { readonly index: number };
  /** Decides after each round: the online controller, or a fixed stop rule. */
  readonly decider: RoundDecider;
  /**
   * The source kernel tracks dirty pages: later rounds are CRIU pre-dumps with the previous round as
   * parent, sent with `diff-tracked` (see docs/engine.md, tracked pre-copy).
   */
  readonly dirtyTracking: boolean;
  /** Memory size, bytes (time limits). */
  readonly memory: Bytes;
  /** Link RTT, seconds (time limits). */
  readonly rtt: Duration;
  /** Clock reading when the migration started. */
  readonly startedAt: Duration;
  /** Absolute clock reading of the overall deadline. */
  readonly deadline: Duration;
  /** Predicted total time of the plan, for the ETA (absent without a plan). */
  readonly predictedTotal: Duration | undefined;
  /** Clock. */
  readonly clock: Clock;
  /** Progress. */
  readonly log: (e: ProgressEvent) => void;
  /** Test hooks. */
  readonly hooks: MigrationHooks | undefined;
  /** `cluster/host` of the source. */
  readonly runningOn: string;
}

/** What pre-copy leaves for the final round. */
export interface PrecopyResult {
  /** The rounds, in order. */
  readonly rounds: readonly RoundRecord[];
  /** The last round the target holds complete. */
  readonly last: { readonly index: number; readonly dir: string };
  /** Why it stopped iterating. */
  readonly stopReason: string;
  /** The decider's last verdict. */
  readonly decision: RoundVerdict;
  /** The decider after the last round (its bandwidth is the latest estimate, bytes/s). */
  readonly decider: RoundDecider;
  /** M as the last round's image shows it (pages times 4 KiB), bytes. */
  readonly memory: Bytes;
}

/** Runs pre-copy rounds until the decider says switch over (or aborts: `MigrationAborted`). */
export async function precopy(i: PrecopyInput): Promise<PrecopyResult> {
  const rounds: RoundRecord[] = [];
  let decider = i.decider;
  let current: CheckpointResult & { index: number } = { ...i.first };
  let prevDir: string | undefined;
  for (;;) {
    await i.hooks?.beforeRound?.(rounds.length + 1);
    const d = await diff(
      i.source.shell,
      i.pagedelta,
      prevDir,
      current.dir,
      `${i.sourceDir}/delta-${current.index}`,
      i.memory,
      i.clock,
      { tracked: i.dirtyTracking && prevDir !== undefined },
    );
    const sent = await sendDelta(
      i.source.shell,
      i.path,
      d,
      current.index,
      prevDir === undefined,
      decider.bandwidth,
      i.rtt,
      i.runningOn,
      // a pre-copy round may not outlast the overall deadline (the switchover has its own limits)
      remaining(i.deadline, i.clock.now()),
    );
    const now = i.clock.now();
    const duration = seconds(Math.max(now - current.startedAt, 0.001));
    const step = decider.decide(
      {
        sent: sent.bytes,
        transferTime: sent.duration,
        duration,
        pagesSent: d.summary.pagesSent,
        pagesUnchanged: d.summary.pagesUnchanged,
      },
      seconds(now - i.startedAt),
    );
    decider = step.next;
    const decision = step.verdict;
    rounds.push({
      index: current.index,
      kind: 'precopy',
      pagesTotal: d.summary.pagesTotal,
      pagesSent: d.summary.pagesSent,
      pagesUnchanged: d.summary.pagesUnchanged,
      bytes: sent.bytes,
      freeze: current.freeze,
      deltaTime: d.duration,
      transferTime: sent.duration,
      duration,
      decision: `${decision.action}: ${decision.reason}`,
    });
    const elapsed = seconds(now - i.startedAt);
    i.log({
      phase: 'precopy',
      round: rounds.length,
      bytes: sent.bytes,
      rate: decider.bandwidth,
      ...(i.predictedTotal === undefined ? {} : { eta: seconds(Math.max(0, i.predictedTotal - elapsed)) }),
      predictedDowntime: decision.predictedDowntime,
      elapsed,
      message: `round ${rounds.length}: sent ${(sent.bytes / 1048576).toFixed(1)} MiB (${d.summary.pagesSent}/${d.summary.pagesTotal} pages) in ${sent.duration.toFixed(2)} s, freeze ${(current.freeze * 1000).toFixed(0)} ms; ${decision.action}: ${decision.reason}`,
    });
    // the target now holds `current` complete; older rounds are no longer needed on either side
    // a tracked chain stays on the source: CRIU follows the parent's own parent link when dumping
    if (prevDir !== undefined && !i.dirtyTracking) await dropRound(i.source.shell, i.sourceDir, prevDir);
    if (current.index > 0)
      await dropRound(i.target.shell, i.targetDir, targetRoundDir(i.targetDir, current.index - 1));
    if (decision.action === 'abort') {
      throw new MigrationAborted('precopy', decision.reason, i.runningOn, {
        hint: 'allow extra downtime (policy.extraDowntimeAcceptable), raise the target downtime, or migrate when the workload is quieter',
      });
    }
    if (decision.action !== 'another-round' || i.clock.now() >= i.deadline) {
      const stopReason =
        decision.action === 'another-round'
          ? 'the overall deadline is near: switching over'
          : decision.action === 'switch-to-post-copy'
            ? `${decision.reason} (post-copy is not implemented: copy switchover)`
            : decision.reason;
      return {
        rounds,
        last: { index: current.index, dir: current.dir },
        stopReason,
        decision,
        decider,
        memory: bytes(Math.max(d.summary.pagesTotal * d.summary.pageSize, 1)),
      };
    }
    prevDir = current.dir;
    const index = current.index + 1;
    const dir = sourceRoundDir(i.sourceDir, index);
    const c = await checkpoint(
      i.source.shell,
      i.source.config,
      i.containerId,
      dir,
      `${i.sourceDir}/work-${index}`,
      true,
      i.memory,
      i.clock,
      i.runningOn,
      i.dirtyTracking ? { preDump: true, parentPath: parentPathFor(dir, current.dir) } : {},
    );
    current = { ...c, index };
  }
}
