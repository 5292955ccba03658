/**
 * The orchestrator: `preflight -> measure -> pre-copy rounds -> final checkpoint -> transfer -> restore ->
 * verify -> cleanup`, with a journal entry at every state change and a rollback to the source on any failure
 * before the target is verified. At no time do two copies run: the source is stopped by the final
 * checkpoint before the target starts.
 */
import { randomBytes } from 'node:crypto';
import { MigrationFenced, type MigrationPhase } from '../errors';
import { bytes, seconds, type Bytes } from '../units';
import { DEFAULT_AUTHORIZED_KEYS, setUpDataPath, type DataPath } from './data-path';
import { createTarget, fencedRestartPolicy, finalRound, type FinalRoundResult } from './final-round';
import { newJournal, transition, type Journal, type JournalEvent } from './journal';
import { describeImageTransfer, sendImage, type ImageTransferResult } from './image-transfer';
import { phaseError } from './phase-errors';
import { precopy, type PrecopyResult } from './precopy';
import { preflight, type PreflightResult } from './preflight';
import { prepare, type Preparation } from './prepare';
import type { MigrationReport } from './report';
import { restoreOnTarget, type RestoreResult } from './restore';
import { cleanUpAfterSuccess, rollBack, type Leftovers } from './rollback';
import { hostLabel, type MigrationDeps, type MigrationRequest } from './types';
import { SHORT_STEP } from './timeouts';
import { verifyTarget, type VerifyResult } from './verify';

/** ` [label: a; b]`, or nothing when there is no note. */
function notesText(notes: readonly string[], label = 'notes'): string {
  return notes.length > 0 ? ` [${label}: ${notes.join('; ')}]` : '';
}

/** A new migration id: UTC time and 6 random hex digits, e.g. `20261122-021514-3fa2c1`. */
export function newMigrationId(now: Date): string {
  const t = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${t}-${randomBytes(3).toString('hex')}`;
}

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
      sourcePagedelta: pre.sourcePagedelta,
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
    sourcePagedelta: pre.sourcePagedelta,
  };

  let phase: MigrationPhase = 'measure';
  let frozen = false;
  let memory: Bytes = bytes(Math.max(pre.containerFacts.memoryEstimate, 64 * 1024 * 1024));
  let imageTransfer: Promise<ImageTransferResult> | undefined;
  let image: ImageTransferResult | undefined;
  let path: DataPath | undefined;
  let prep: Preparation | undefined;
  let pc: PrecopyResult | undefined;
  let fin: FinalRoundResult | undefined;
  let rs: RestoreResult | undefined;
  let vr: VerifyResult | undefined;
  let targetId: string | undefined;
  // the source's restart policy, set to `no` for the switchover once `policyFenced` (put back afterwards)
  const restartPolicy = fencedRestartPolicy(c);
  let policyFenced = false;
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
    prep = await prepare({ req, pre, source, path, startedAt, deps, runningOn: srcLabel });
    memory = prep.memory;
    // the image shares the link with the rounds, after the probe (it would make the link look slower)
    if (!pre.imageOnTarget) {
      imageTransfer = sendImage({
        source,
        target,
        path,
        imageId: c.imageId,
        clock,
        runningOn: srcLabel,
        sourceDir: pre.sourceDir,
        targetDir: pre.targetDir,
      }).then((r) => {
        say('transfer', describeImageTransfer(r));
        return r;
      });
      imageTransfer.catch(() => undefined);
    }
    await step({ kind: 'copying' });
    if (prep.precopy !== undefined) {
      phase = 'precopy';
      pc = await precopy({
        source,
        target,
        containerId: c.id,
        sourceDir: pre.sourceDir,
        targetDir: pre.targetDir,
        pagedelta: pre.sourcePagedelta,
        path,
        first: prep.precopy.first,
        decider: prep.precopy.decider,
        dirtyTracking: pre.sourceFacts.dirtyTracking,
        memory,
        rtt: prep.rtt,
        startedAt,
        deadline: prep.deadline,
        predictedTotal: prep.plan?.totalTime,
        clock,
        log,
        hooks: req.hooks,
        runningOn: srcLabel,
      });
      memory = pc.memory;
    }
    phase = 'transfer';
    if (imageTransfer !== undefined) image = await imageTransfer;
    phase = 'restore';
    targetId = await createTarget(target, c, id, srcLabel);
    await step({ kind: 'target-created', targetContainerId: targetId });
    phase = 'checkpoint';
    if (restartPolicy !== undefined) {
      // the final checkpoint stops the container under the engine's feet: its policy would start a
      // fresh copy of it on the source
      await source.runtime.setRestartPolicy(c.id, 'no', { timeout: SHORT_STEP });
      policyFenced = true;
      say('checkpoint', `restart policy ${restartPolicy} fenced (no) for the switchover`);
    }
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
      dirtyTracking: pre.sourceFacts.dirtyTracking,
      memory,
      bandwidth: pc?.decider.bandwidth ?? prep.bandwidth,
      rtt: prep.rtt,
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
    vr = await verifyTarget(target, targetId, req.probe, req.workloadChecks ?? [], clock);
    await step({ kind: 'verified' });
  } catch (e) {
    const why = (x: unknown): string => (x instanceof Error ? x.message : String(x));
    say(phase, `failed: ${why(e).split('\n')[0]}; rolling back`);
    // a journal that cannot be written never stops the rollback: what it missed goes into the error
    const journalNotes: string[] = [];
    const record = async (ev: JournalEvent): Promise<void> => {
      await step(ev).catch((je: unknown) => {
        journalNotes.push(`journal write of ${ev.kind} failed: ${why(je).split('\n')[0]}`);
      });
    };
    let rb: Awaited<ReturnType<typeof rollBack>>;
    try {
      await record({ kind: 'rolling-back', note: why(e) });
      // an image still on its way (a failure before the final round) ends before the cleanup removes its
      // files; once the source is frozen it has always ended (it is awaited before the final round)
      await imageTransfer?.catch(() => undefined);
      await path?.close();
      rb = await rollBack(leftovers, frozen, memory, clock, {
        ...(targetId !== undefined ? { targetId } : {}),
        ...(policyFenced && restartPolicy !== undefined ? { restartPolicy } : {}),
      });
    } catch (re) {
      await record({ kind: 'failed', note: why(re) });
      throw phaseError(phase, e, undefined, ` [rollback failed: ${why(re)}]${notesText(journalNotes)}`);
    }
    if (rb.fenced !== undefined) {
      await record({ kind: 'failed', note: `fenced: ${rb.fenced}` });
      throw new MigrationFenced(
        phase,
        `${why(e).split('\n')[0]}; the target copy of ${c.name} is not known to be gone (${rb.fenced})${notesText(journalNotes)}`,
        `that no container labelled ferry.migration=${id} runs on ${tgtLabel} (docker ps --filter label=ferry.migration=${id}), and that its engine answers`,
        'ferry migrate --recover --clusters-file <your clusters file>',
        { cause: e },
      );
    }
    await record({ kind: 'rolled-back' });
    say(
      'cleanup',
      `rolled back${rb.restoredOnSource ? ' (restored on the source from the final images)' : ''}`,
    );
    throw phaseError(phase, e, srcLabel, notesText([...rb.notes, ...journalNotes], 'rollback notes'));
  }
  await path.close();
  const notes = await cleanUpAfterSuccess(leftovers, targetId, restartPolicy);
  await step({ kind: 'done' });
  const rounds = [...(pc?.rounds ?? []), fin.round];
  const report: MigrationReport = {
    migrationId: id,
    container: c.name,
    from: srcLabel,
    to: tgtLabel,
    targetContainerId: targetId,
    plan: prep.plan,
    strategy: prep.strategy,
    rtt: prep.rtt,
    bandwidth: pc?.decider.bandwidth ?? prep.bandwidth,
    memory,
    dirtyRate: prep.dirtyRate,
    measureFreezes: prep.measureFreezes,
    rounds,
    stopReason: pc?.stopReason ?? 'stop-and-copy: no pre-copy rounds',
    downtime: seconds(rs.runningAt - fin.frozenAt),
    workloadGap: vr.workload.find((w) => w.gap !== undefined)?.gap,
    workload: vr.workload,
    totalTime: seconds(elapsed()),
    timeFromPlan: seconds(clock.now() - prep.plannedAt),
    bytesOnWire: bytes(rounds.reduce((s, r) => s + r.bytes, 0) + prep.probeBytes),
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
    ...(image === undefined ? {} : { image }),
    notes,
  };
  say('cleanup', `done in ${report.totalTime.toFixed(1)} s`);
  return report;
}
