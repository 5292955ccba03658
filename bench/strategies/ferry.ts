/**
 * Strategy 4, Ferry: the engine's `migrate` with `strategy: 'auto'` (the planner chooses, the online
 * controller decides when to switch over). Strategies 2 and 3 are the same call with a fixed `stopRule`
 * (CRIU p.haul's, LXD's): the engine then measures and plans nothing and the rule stops pre-copy, so the
 * comparison isolates the stop rule and Ferry's measurement and planning. The bench only observes: the `beforeFinalTransfer` hook starts
 * reading the source log once the final checkpoint stopped the container (without waiting for it, so the
 * switchover is not delayed), because the engine removes the source container after a verified move.
 */
import { migrate } from '../../provider/engine/migrate';
import { memoryJournalStore } from '../../provider/engine/journal/journal';
import { systemClock, type MigrationRequest, type ProgressEvent } from '../../provider/engine/types';
import { connectHost } from '../../provider/hosts/connect';
import { nowS, RelayedPath, type StrategyContext, type StrategyOutcome } from './types';

/** The progress event that says the target runs (`restore` phase, "running on ..."). */
export const isRunningEvent = (e: ProgressEvent): boolean =>
  e.phase === 'restore' && e.message.startsWith('running on');

/** Runs strategy 4 (see the module comment). `extra` adds request fields (e.g. a fixed stop rule). */
export async function ferry(
  ctx: StrategyContext,
  extra: Partial<MigrationRequest> = {},
): Promise<StrategyOutcome> {
  let sourceLog: Promise<string> | undefined;
  let planAt: number | undefined;
  let runningAt: number | undefined;
  const t0 = nowS();
  const request: MigrationRequest = {
    container: ctx.container,
    source: ctx.source,
    target: ctx.target,
    strategy: 'auto',
    authorizedKeysFile: ctx.authorizedKeysFile,
    workloadChecks: ctx.workloadChecks,
    ...extra,
    hooks: {
      beforeFinalTransfer: async () => {
        sourceLog = ctx.src.runtime.logs(ctx.container, { tail: 1_000_000 });
        sourceLog.catch(() => undefined);
      },
    },
  };
  const report = await migrate(request, {
    connect: (h) => connectHost(h),
    clock: systemClock,
    journal: memoryJournalStore(),
    log: (e) => {
      if (e.phase === 'plan') planAt = e.elapsed;
      if (isRunningEvent(e)) runningAt = e.elapsed;
      if (e.phase === 'plan' || e.phase === 'measure' || e.phase === 'precopy' || isRunningEvent(e))
        ctx.log(`${e.phase}: ${e.message}`);
    },
  });
  const total = nowS() - t0;
  if (report.dataPath.kind !== 'direct') throw new RelayedPath(report.dataPath.reason);
  const toRunning = runningAt ?? total;
  const precopyRounds = report.rounds.filter((r) => r.kind === 'precopy').length;
  const plan = report.plan;
  return {
    targetId: report.targetContainerId,
    totalS: toRunning,
    toolTotalS: report.totalTime,
    ...(planAt !== undefined ? { measuredFromPlanS: toRunning - planAt } : {}),
    bytesOnWire: report.bytesOnWire,
    rounds: precopyRounds,
    sourceLog: sourceLog === undefined ? '' : await sourceLog,
    toolDowntimeS: report.downtime,
    stopReason: plan === undefined ? report.stopReason : `${report.strategy}: ${report.stopReason}`,
    ...(plan === undefined
      ? {}
      : {
          predicted: {
            downtimeS: plan.downtime,
            totalS: plan.totalTime,
            bytesOnWire: plan.bytesOnWire,
            rounds: plan.rounds.length,
            strategy: plan.strategy,
          },
        }),
  };
}
