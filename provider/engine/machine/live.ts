/**
 * The handlers of the states only a live migration passes through: `started -> prepared -> copying ->
 * target-created -> frozen -> restoring -> target-running`. Each does the work of its state and returns
 * the next transition; what it measured goes into `ctx.run`, for the report. From `target-running` on, the
 * shared handlers (back.ts) take over, as they do in a recovery.
 */
import { bytes, type Duration } from '../../units';
import { setUpDataPath, type DataPath } from '../data-path/data-path';
import {
  createTarget,
  fencedRestartPolicy,
  finalCheckpoint,
  finalTransfer,
  type FinalCheckpoint,
  type FinalRoundInput,
  type FinalRoundResult,
} from '../switchover/final-round';
import { describeImageTransfer, sendImage, type ImageTransferResult } from '../switchover/image-transfer';
import type { PrecopyResult } from '../precopy/precopy';
import { precopy } from '../precopy/precopy';
import type { PreflightResult } from '../preflight/preflight';
import { prepare, type Preparation } from '../measure/prepare';
import { restoreOnTarget, type RestoreResult } from '../switchover/restore';
import { SHORT_STEP } from '../timeouts';
import { hostLabel, type MigrationDeps, type MigrationRequest } from '../types';
import type { BackContext } from './back';
import type { Handlers } from './run';

/** What the live phases found, for the report. */
export interface LiveRun {
  path?: DataPath;
  prep?: Preparation;
  pc?: PrecopyResult;
  imageTransfer?: Promise<ImageTransferResult>;
  image?: ImageTransferResult;
  targetId?: string;
  checkpoint?: FinalCheckpoint;
  fin?: FinalRoundResult;
  rs?: RestoreResult;
  /** Memory in the images (an estimate until measured), bytes. */
  memory: ReturnType<typeof bytes>;
}

/** The context of a live migration. */
export interface LiveContext extends BackContext {
  /** Migration id. */
  readonly migrationId: string;
  /** The request. */
  readonly req: MigrationRequest;
  /** What preflight found. */
  readonly pre: PreflightResult;
  /** Dependencies. */
  readonly deps: MigrationDeps;
  /** Clock reading when the migration started, seconds. */
  readonly startedAt: Duration;
  /** The target's authorized_keys file. */
  readonly authorizedKeysFile: string;
  /** The results so far. */
  readonly run: LiveRun;
}

/** The inputs of the final round. */
function finalInput(ctx: LiveContext): FinalRoundInput {
  const { pre, run, req, deps } = ctx;
  const targetId = run.targetId;
  if (targetId === undefined || run.path === undefined || run.prep === undefined)
    throw new Error('internal: the final round needs a target container, a data path and a plan');
  return {
    source: ctx.hosts.source,
    target: ctx.hosts.target,
    container: pre.container,
    targetId,
    checkpointName: `ferry-${ctx.migrationId}`,
    sourceDir: pre.sourceDir,
    targetDir: pre.targetDir,
    pagedelta: pre.sourcePagedelta,
    path: run.path,
    last: run.pc?.last,
    dirtyTracking: pre.sourceFacts.dirtyTracking,
    memory: run.memory,
    bandwidth: run.pc?.decider.bandwidth ?? run.prep.bandwidth,
    rtt: run.prep.rtt,
    clock: deps.clock,
    hooks: req.hooks,
    sourceLabel: hostLabel(req.source),
  };
}

/** The live handlers. */
export const LIVE_HANDLERS: Handlers<LiveContext> = {
  async started(ctx) {
    const { req, pre, deps } = ctx;
    ctx.run.path = await setUpDataPath({
      migrationId: ctx.migrationId,
      source: req.source,
      target: req.target,
      sourceHost: ctx.hosts.source,
      targetHost: ctx.hosts.target,
      sourceDir: pre.sourceDir,
      targetDir: pre.targetDir,
      targetPagedelta: pre.targetPagedelta,
      authorizedKeysFile: ctx.authorizedKeysFile,
      forceRelay: req.forceRelay ?? false,
      clock: deps.clock,
      // the key outlives no migration: its deadline (default 30 min) plus an hour
      keyExpires: new Date(deps.clock.wall().getTime() + ((req.deadline ?? 1800) + 3600) * 1000),
    });
    return { event: { kind: 'prepared' } };
  },

  async prepared(ctx) {
    const { req, pre, deps, run } = ctx;
    const path = run.path!;
    const srcLabel = hostLabel(req.source);
    ctx.say('measure', `data path: ${path.kind} (${path.reason})`);
    const source = ctx.hosts.source;
    run.prep = await prepare({ req, pre, source, path, startedAt: ctx.startedAt, deps, runningOn: srcLabel });
    run.memory = run.prep.memory;
    // the image shares the link with the rounds, after the probe (it would make the link look slower)
    if (!pre.imageOnTarget) {
      run.imageTransfer = sendImage({
        source,
        target: ctx.hosts.target,
        path,
        imageId: pre.container.imageId,
        clock: deps.clock,
        runningOn: srcLabel,
        sourceDir: pre.sourceDir,
        targetDir: pre.targetDir,
      }).then((r) => {
        ctx.say('transfer', describeImageTransfer(r));
        return r;
      });
      run.imageTransfer.catch(() => undefined);
    }
    return { event: { kind: 'copying' } };
  },

  async copying(ctx) {
    const { req, pre, deps, run } = ctx;
    const prep = run.prep!;
    if (prep.precopy !== undefined) {
      run.pc = await precopy({
        source: ctx.hosts.source,
        target: ctx.hosts.target,
        containerId: pre.container.id,
        sourceDir: pre.sourceDir,
        targetDir: pre.targetDir,
        pagedelta: pre.sourcePagedelta,
        path: run.path!,
        first: prep.precopy.first,
        decider: prep.precopy.decider,
        dirtyTracking: pre.sourceFacts.dirtyTracking,
        memory: run.memory,
        rtt: prep.rtt,
        startedAt: ctx.startedAt,
        deadline: prep.deadline,
        predictedTotal: prep.plan?.totalTime,
        clock: deps.clock,
        log: deps.log,
        hooks: req.hooks,
        runningOn: hostLabel(req.source),
      });
      run.memory = run.pc.memory;
    }
    if (run.imageTransfer !== undefined) run.image = await run.imageTransfer;
    const id = await createTarget(ctx.hosts.target, pre.container, ctx.migrationId, hostLabel(req.source));
    run.targetId = id;
    return { event: { kind: 'target-created', targetContainerId: id } };
  },

  async 'target-created'(ctx, w) {
    const policy = fencedRestartPolicy(ctx.pre.container);
    if (policy !== undefined) {
      // written ahead: a recovery after a crash from here on puts the policy back
      await w.update((j) => ({ ...j, restartPolicy: policy }));
      // the final checkpoint stops the container under the engine's feet: its policy would start a fresh
      // copy of it on the source
      await ctx.hosts.source.runtime.setRestartPolicy(ctx.pre.container.id, 'no', { timeout: SHORT_STEP });
      ctx.say('checkpoint', `restart policy ${policy} fenced (no) for the switchover`);
    }
    ctx.say('checkpoint', 'final checkpoint: the container stops on the source');
    ctx.run.checkpoint = await finalCheckpoint(finalInput(ctx));
    return { event: { kind: 'frozen' } };
  },

  async frozen(ctx) {
    const fin = await finalTransfer(finalInput(ctx), ctx.run.checkpoint!);
    ctx.run.fin = fin;
    ctx.say(
      'transfer',
      `final round: ${(fin.round.bytes / 1048576).toFixed(1)} MiB in ${fin.round.transferTime.toFixed(2)} s`,
    );
    return { event: { kind: 'restoring' } };
  },

  async restoring(ctx) {
    const { req, deps, run } = ctx;
    const fin = run.fin!;
    run.rs = await restoreOnTarget(
      ctx.hosts.target,
      run.targetId!,
      `ferry-${ctx.migrationId}`,
      fin.targetImageDir,
      run.memory,
      deps.clock,
      req.hooks,
      (req.restoreMode ?? 'pages-by-reference') === 'pages-by-reference',
    );
    ctx.say(
      'restore',
      `running on ${hostLabel(req.target)}: downtime ${((run.rs.runningAt - fin.frozenAt) * 1000).toFixed(0)} ms`,
    );
    return { event: { kind: 'target-running' } };
  },
};

/** The memory estimate before anything is measured: the container's, at least 64 MiB. */
export function initialMemory(pre: PreflightResult): ReturnType<typeof bytes> {
  return bytes(Math.max(pre.containerFacts.memoryEstimate, 64 * 1024 * 1024));
}
