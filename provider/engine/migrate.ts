/**
 * The orchestrator: `preflight -> measure -> pre-copy rounds -> final checkpoint -> transfer -> restore ->
 * verify -> cleanup`, with a journal entry at every state change and a rollback to the source on any failure
 * before the target is verified. At no time do two copies run: the source is stopped by the final
 * checkpoint before the target starts.
 */
import { randomBytes } from 'node:crypto';
import type { MigrationPhase } from '../errors';
import { planHeadline, planMigration, startController, type MigrationPlan } from '../model';
import { bytes, bytesPerSecond, seconds, type Bytes } from '../units';
import { DEFAULT_AUTHORIZED_KEYS, setUpDataPath, type DataPath } from './data-path';
import { createTarget, finalRound, type FinalRoundResult } from './final-round';
import { newJournal, transition, type Journal, type JournalEvent } from './journal';
import { measureContainer, measureLink, PROBE_BYTES, PROBE_REPEATS, upperDirSize } from './measure';
import { sendImage } from './image-transfer';
import { phaseError } from './phase-errors';
import { planInputs } from './plan-inputs';
import { precopy, type PrecopyResult } from './precopy';
import { preflight, type PreflightResult } from './preflight';
import type { MigrationReport } from './report';
import { restoreOnTarget, type RestoreResult } from './restore';
import { cleanUpAfterSuccess, rollBack, type Leftovers } from './rollback';
import { dropRound, sourceRoundDir } from './rounds';
import { overallDeadline } from './timeouts';
import { hostLabel, type MigrationDeps, type MigrationRequest } from './types';
import { verifyTarget, type VerifyResult } from './verify';

/** A new migration id: UTC time and 6 random hex digits, e.g. `20261122-021514-3fa2c1`. */
export function newMigrationId(now: Date): string {
  const t = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${t}-${randomBytes(3).toString('hex')}`;
}

/** Seconds between the two measurement checkpoints. */
export const DIRTY_INTERVAL = seconds(1);

/**
 * Migrates `req.container` from `req.source` to `req.target`.
 * @returns the report (plan beside measurements).
 * @throws a `MigrationError` (PreflightFailed, CheckpointFailed, TransferFailed, RestoreFailed, VerifyFailed,
 *   MigrationAborted) naming the phase, the cause and where the container runs; HostUnreachable when a host
 *   cannot be reached before anything was touched.
 */
export async function migrate(req: MigrationRequest, deps: MigrationDeps): Promise<MigrationReport> {
  const { clock, log } = deps;
  const startedAt = clock.now();
  const elapsed = (): number => clock.now() - startedAt;
  const id = req.migrationId ?? newMigrationId(clock.wall());
  const srcLabel = hostLabel(req.source);
  const tgtLabel = hostLabel(req.target);
  const say = (phase: MigrationPhase | 'plan', message: string): void =>
    log({ phase, message, elapsed: seconds(elapsed()) });

  await using source = await deps.connect(req.source.host);
  await using target = await deps.connect(req.target.host);
  say('preflight', `checking ${srcLabel} and ${tgtLabel}`);
  let pre: PreflightResult;
  try {
    pre = await preflight({
      migrationId: id,
      container: req.container,
      source,
      sourceLabel: srcLabel,
      target,
      targetLabel: tgtLabel,
    });
  } catch (e) {
    throw phaseError('preflight', e, srcLabel);
  }
  const c = pre.container;
  const checkpointName = `ferry-${id}`;
  const authorizedKeysFile =
    req.authorizedKeysFile ?? req.target.host.authorizedKeysFile ?? DEFAULT_AUTHORIZED_KEYS;
  let journal: Journal = newJournal(
    {
      migrationId: id,
      containerName: c.name,
      source: req.source,
      target: req.target,
      sourceContainerId: c.id,
      checkpointName,
      sourceDir: pre.sourceDir,
      targetDir: pre.targetDir,
      authorizedKeysFile,
    },
    clock.wall(),
  );
  await deps.journal.save(journal);
  const step = async (ev: JournalEvent): Promise<void> => {
    journal = transition(journal, ev, clock.wall());
    await deps.journal.save(journal);
  };
  const leftovers: Leftovers = {
    migrationId: id,
    source,
    target,
    sourceId: c.id,
    checkpointName,
    sourceDir: pre.sourceDir,
    targetDir: pre.targetDir,
    authorizedKeysFile,
  };

  let phase: MigrationPhase = 'measure';
  let frozen = false;
  let memory: Bytes = bytes(Math.max(pre.containerFacts.memoryEstimate, 64 * 1024 * 1024));
  let imageTransfer: Promise<void> | undefined;
  let path: DataPath | undefined;
  let plan: MigrationPlan | undefined;
  let pc: PrecopyResult | undefined;
  let fin: FinalRoundResult | undefined;
  let rs: RestoreResult | undefined;
  let vr: VerifyResult | undefined;
  let targetId: string | undefined;
  let strategy: 'pre-copy' | 'stop-and-copy' = 'stop-and-copy';
  let measureFreezes: number[] = [];
  let rtt = seconds(0);
  let plannedAt = 0;
  let dirtyRate = bytesPerSecond(0);
  let probeRate = bytesPerSecond(0);
  try {
    path = await setUpDataPath({
      migrationId: id,
      source: req.source,
      target: req.target,
      sourceHost: source,
      targetHost: target,
      sourceDir: pre.sourceDir,
      targetDir: pre.targetDir,
      targetPagedelta: pre.targetPagedelta,
      authorizedKeysFile,
      forceRelay: req.forceRelay ?? false,
      clock,
    });
    await step({ kind: 'prepared' });
    say('measure', `data path: ${path.kind} (${path.reason})`);
    if (!pre.imageOnTarget) {
      imageTransfer = sendImage(source, target, c.imageId, memory);
      imageTransfer.catch(() => undefined);
    }
    const link = await measureLink(source, path, pre.sourceDir, clock);
    rtt = link.rtt;
    probeRate = bytesPerSecond(link.sample.bytes / link.sample.duration);
    const cm = await measureContainer({
      source,
      containerId: c.id,
      sourceDir: pre.sourceDir,
      pagedelta: pre.sourcePagedelta,
      dirtyRate: req.strategy !== 'stop-and-copy',
      interval: DIRTY_INTERVAL,
      memoryEstimate: memory,
      clock,
      runningOn: srcLabel,
    });
    memory = cm.memory;
    measureFreezes = cm.checkpoints.map((x) => x.freeze);
    if (cm.dirty !== undefined) dirtyRate = bytesPerSecond(cm.dirty.volume / cm.dirty.interval);
    const rootfsDiff = await upperDirSize(source, c.graphDriver.data.UpperDir);
    const inputs = planInputs({
      link,
      container: cm,
      rootfsDiff,
      processes: 1,
      policy: req.policy,
      dirtyTracking: pre.sourceFacts.dirtyTracking,
      restoreMode: req.restoreMode ?? 'pages-by-reference',
    });
    plan = planMigration(inputs);
    plannedAt = clock.now();
    const choice = req.strategy ?? 'auto';
    strategy =
      choice !== 'auto'
        ? choice
        : plan.strategy === 'pre-copy' || plan.strategy === 'hybrid'
          ? 'pre-copy'
          : 'stop-and-copy';
    log({
      phase: 'plan',
      message: `RTT ${(link.rtt * 1000).toFixed(1)} ms, probe ${((link.sample.bytes / link.sample.duration) * 8e-6).toFixed(1)} Mbit/s, M ${(memory / 1048576).toFixed(1)} MiB, D ${(dirtyRate / 1048576).toFixed(2)} MiB/s; plan: ${planHeadline(plan)}; using ${strategy}`,
      predictedDowntime: plan.downtime,
      eta: plan.totalTime,
      elapsed: seconds(elapsed()),
    });
    const deadline = seconds(
      startedAt + overallDeadline(req.deadline, plan.inputs.policy.timeBudget, memory),
    );
    await step({ kind: 'copying' });
    const last = cm.checkpoints[cm.checkpoints.length - 1]!;
    if (strategy === 'pre-copy') {
      phase = 'precopy';
      if (cm.checkpoints.length > 1)
        await dropRound(source.shell, pre.sourceDir, sourceRoundDir(pre.sourceDir, 0));
      pc = await precopy({
        source,
        target,
        containerId: c.id,
        sourceDir: pre.sourceDir,
        targetDir: pre.targetDir,
        pagedelta: pre.sourcePagedelta,
        path,
        first: { ...last, index: cm.checkpoints.length - 1 },
        controller: startController(inputs),
        memory,
        rtt,
        startedAt,
        deadline,
        predictedTotal: plan.totalTime,
        clock,
        log,
        hooks: req.hooks,
        runningOn: srcLabel,
      });
    } else {
      for (const k of cm.checkpoints.keys())
        await dropRound(source.shell, pre.sourceDir, sourceRoundDir(pre.sourceDir, k));
    }
    phase = 'transfer';
    if (imageTransfer !== undefined) await imageTransfer;
    phase = 'restore';
    targetId = await createTarget(target, c, id, srcLabel);
    await step({ kind: 'target-created', targetContainerId: targetId });
    phase = 'checkpoint';
    say('checkpoint', 'final checkpoint: the container stops on the source');
    fin = await finalRound({
      source,
      target,
      container: c,
      targetId,
      checkpointName,
      sourceDir: pre.sourceDir,
      targetDir: pre.targetDir,
      pagedelta: pre.sourcePagedelta,
      path,
      last: pc?.last,
      memory,
      bandwidth: pc?.controller.bandwidth ?? probeRate,
      rtt,
      onFrozen: async () => {
        frozen = true;
        phase = 'transfer';
        await step({ kind: 'frozen' });
      },
      clock,
      hooks: req.hooks,
      sourceLabel: srcLabel,
    });
    say(
      'transfer',
      `final round: ${(fin.round.bytes / 1048576).toFixed(1)} MiB in ${fin.round.transferTime.toFixed(2)} s`,
    );
    phase = 'restore';
    await step({ kind: 'restoring' });
    rs = await restoreOnTarget(
      target,
      targetId,
      checkpointName,
      fin.targetImageDir,
      memory,
      clock,
      req.hooks,
      (req.restoreMode ?? 'pages-by-reference') === 'pages-by-reference',
    );
    await step({ kind: 'target-running' });
    say(
      'restore',
      `running on ${tgtLabel}: downtime ${((rs.runningAt - fin.frozenAt) * 1000).toFixed(0)} ms`,
    );
    phase = 'verify';
    vr = await verifyTarget(target, targetId, req.probe, clock);
    await step({ kind: 'verified' });
  } catch (e) {
    say(phase, `failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}; rolling back`);
    let notes: readonly string[];
    try {
      await step({ kind: 'rolling-back', note: e instanceof Error ? e.message : String(e) });
      await path?.close();
      const rb = await rollBack(leftovers, frozen, memory, clock);
      await step({ kind: 'rolled-back' });
      say(
        'cleanup',
        `rolled back${rb.restoredOnSource ? ' (restored on the source from the final images)' : ''}`,
      );
      notes = rb.notes;
    } catch (re) {
      await step({ kind: 'failed', note: re instanceof Error ? re.message : String(re) }).catch(
        () => undefined,
      );
      throw phaseError(
        phase,
        e,
        undefined,
        ` [rollback failed: ${re instanceof Error ? re.message : String(re)}]`,
      );
    }
    throw phaseError(phase, e, srcLabel, notes.length ? ` [rollback notes: ${notes.join('; ')}]` : '');
  }
  await path.close();
  const notes = await cleanUpAfterSuccess(leftovers, targetId);
  await step({ kind: 'done' });
  const rounds = [...(pc?.rounds ?? []), fin.round];
  const report: MigrationReport = {
    migrationId: id,
    container: c.name,
    from: srcLabel,
    to: tgtLabel,
    targetContainerId: targetId,
    plan,
    strategy,
    rtt,
    bandwidth: pc?.controller.bandwidth ?? probeRate,
    memory,
    dirtyRate,
    measureFreezes: measureFreezes.map((x) => seconds(x)),
    rounds,
    stopReason: pc?.stopReason ?? 'stop-and-copy: no pre-copy rounds',
    downtime: seconds(rs.runningAt - fin.frozenAt),
    workloadGap: vr.workloadGapMs === undefined ? undefined : seconds(vr.workloadGapMs / 1000),
    totalTime: seconds(elapsed()),
    timeFromPlan: seconds(clock.now() - plannedAt),
    bytesOnWire: bytes(rounds.reduce((s, r) => s + r.bytes, 0) + PROBE_BYTES * PROBE_REPEATS),
    dataPath: { kind: path.kind, reason: path.reason },
    restoreMode: req.restoreMode ?? 'pages-by-reference',
    restore: {
      finalCheckpoint: fin.round.freeze,
      finalTransfer: fin.round.transferTime,
      place: rs.placeTime,
      engineStart: rs.startTime,
      rootfs: fin.rootfs.duration,
    },
    rootfs: { copied: fin.rootfs.plan.copy, deleted: fin.rootfs.plan.remove },
    imageSent: !pre.imageOnTarget,
    notes,
  };
  say('cleanup', `done in ${report.totalTime.toFixed(1)} s`);
  return report;
}
