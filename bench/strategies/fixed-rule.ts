/**
 * Strategies 2 and 3: iterative pre-copy on Ferry's own data path, stopped by a FIXED rule instead of Ferry's
 * controller: CRIU p.haul's (`PHAUL_RULE`) or LXD/Incus's (`LXD_RULE`), applied to the real page counts of
 * each round (`pagesSent` = pages written, `pagesUnchanged` = pages skipped as unchanged). Everything else is
 * the engine's: preflight, the direct host-to-host data path, `--leave-running` checkpoints with the
 * page-level delta, the final round, restore, verify, cleanup and rollback. So the comparison with
 * strategy 4 isolates the stop rule (and Ferry's measurement and planning).
 *
 * `MigrationRequest` has no stop-rule override yet, so this drives the engine's exported round functions in
 * the same order as `provider/engine/migrate.ts`. Baselines measure nothing before the first round (as
 * p.haul and LXD do); the nominal link values are used only for the engine's time limits.
 */
import { createTarget, finalRound } from '../../provider/engine/final-round';
import { setUpDataPath } from '../../provider/engine/data-path';
import { newMigrationId } from '../../provider/engine/migrate';
import { preflight } from '../../provider/engine/preflight';
import type { RoundRecord } from '../../provider/engine/precopy';
import { ctrdCopies } from '../../provider/engine/remote';
import { restoreOnTarget } from '../../provider/engine/restore';
import { cleanUpAfterSuccess, rollBack, type Leftovers } from '../../provider/engine/rollback';
import {
  checkpoint,
  diff,
  dropRound,
  sendDelta,
  sourceRoundDir,
  targetRoundDir,
} from '../../provider/engine/rounds';
import { SHORT_STEP } from '../../provider/engine/timeouts';
import { hostLabel, systemClock } from '../../provider/engine/types';
import { verifyTarget } from '../../provider/engine/verify';
import type { PageStats, StopRule } from '../../provider/model';
import { bytes, bytesPerSecond, seconds, type Bytes } from '../../provider/units';
import { linkBytesPerSecond } from '../matrix';
import { nowS, RelayedPath, type StrategyContext, type StrategyOutcome } from './types';

/** Safety cap on rounds whatever the rule says (both rules stop by 10). */
export const ROUND_CAP = 12;

/** Page statistics of a pre-copy round as the stop rules read them. */
export const pageStats = (r: Pick<RoundRecord, 'pagesSent' | 'pagesUnchanged'>): PageStats => ({
  pagesWritten: r.pagesSent,
  pagesSkipped: r.pagesUnchanged,
});

/** Runs pre-copy with the fixed `rule` (see the module comment). */
export async function fixedRule(ctx: StrategyContext, rule: StopRule): Promise<StrategyOutcome> {
  const clock = systemClock;
  const t0 = nowS();
  const id = newMigrationId(clock.wall());
  const srcLabel = hostLabel(ctx.source);
  const { src: source, tgt: target } = ctx;
  const pre = await preflight({
    migrationId: id,
    container: ctx.container,
    source,
    sourceLabel: srcLabel,
    target,
    targetLabel: hostLabel(ctx.target),
  });
  const c = pre.container;
  const at = (what: string): void => ctx.log(`${(nowS() - t0).toFixed(1)} s: ${what}`);
  at('preflight done');
  if (!pre.imageOnTarget) {
    const tar = await source.runtime.saveImage(c.imageId, { timeout: seconds(600) });
    await target.runtime.loadImage(tar, { timeout: seconds(600) });
  }
  const checkpointName = `ferry-${id}`;
  const [ctrdBeforeSource, ctrdBeforeTarget] = await Promise.all([
    ctrdCopies(source.shell, SHORT_STEP).catch(() => undefined),
    ctrdCopies(target.shell, SHORT_STEP).catch(() => undefined),
  ]);
  const leftovers: Leftovers = {
    migrationId: id,
    source,
    target,
    sourceId: c.id,
    checkpointName,
    sourceDir: pre.sourceDir,
    targetDir: pre.targetDir,
    authorizedKeysFile: ctx.authorizedKeysFile,
    ctrdBeforeSource,
    ctrdBeforeTarget,
  };
  let memory: Bytes = bytes(Math.max(pre.containerFacts.memoryEstimate, 64 * 1024 * 1024));
  const bandwidth = bytesPerSecond(linkBytesPerSecond(ctx.link) * 0.5);
  const rtt = seconds(ctx.link.rttMs / 1000);
  let frozen = false;
  let sourceLog: Promise<string> | undefined;
  try {
    const path = await setUpDataPath({
      migrationId: id,
      source: ctx.source,
      target: ctx.target,
      sourceHost: source,
      targetHost: target,
      sourceDir: pre.sourceDir,
      targetDir: pre.targetDir,
      targetPagedelta: pre.targetPagedelta,
      authorizedKeysFile: ctx.authorizedKeysFile,
      forceRelay: false,
      clock,
    });
    if (path.kind !== 'direct') throw new RelayedPath(path.reason);
    at('data path ready');
    const rounds: RoundRecord[] = [];
    let prevDir: string | undefined;
    let stopReason = '';
    for (let k = 0; ; k++) {
      const cp = await checkpoint(
        source.shell,
        source.config,
        c.id,
        sourceRoundDir(pre.sourceDir, k),
        `${pre.sourceDir}/work-${k}`,
        true,
        memory,
        clock,
        srcLabel,
      );
      const d = await diff(
        source.shell,
        pre.sourcePagedelta,
        prevDir,
        cp.dir,
        `${pre.sourceDir}/delta-${k}`,
        memory,
        clock,
      );
      if (k === 0) memory = bytes(Math.max(d.summary.pagesTotal * 4096, 1));
      const sent = await sendDelta(source.shell, path, d, k, prevDir === undefined, bandwidth, rtt, srcLabel);
      const rec: RoundRecord = {
        index: k,
        kind: 'precopy',
        pagesTotal: d.summary.pagesTotal,
        pagesSent: d.summary.pagesSent,
        pagesUnchanged: d.summary.pagesUnchanged,
        bytes: sent.bytes,
        freeze: cp.freeze,
        deltaTime: d.duration,
        transferTime: sent.duration,
        duration: seconds(Math.max(clock.now() - cp.startedAt, 0.001)),
      };
      rounds.push(rec);
      if (prevDir !== undefined) await dropRound(source.shell, pre.sourceDir, prevDir);
      if (k > 0) await dropRound(target.shell, pre.targetDir, targetRoundDir(pre.targetDir, k - 1));
      prevDir = cp.dir;
      const verdict = rule.decide(rounds.map(pageStats));
      ctx.log(
        `round ${k}: ${d.summary.pagesSent}/${d.summary.pagesTotal} pages, ${(sent.bytes / 1048576).toFixed(1)} MiB in ${sent.duration.toFixed(2)} s; ${verdict.reason}`,
      );
      if (verdict.stop || rounds.length >= ROUND_CAP) {
        stopReason = verdict.stop ? verdict.reason : `${rule.name}: safety cap of ${ROUND_CAP} rounds`;
        break;
      }
    }
    const last = rounds[rounds.length - 1]!;
    at(`pre-copy done (${rounds.length} rounds)`);
    const targetId = await createTarget(target, c, id, srcLabel);
    const fin = await finalRound({
      source,
      target,
      container: c,
      targetId,
      checkpointName,
      sourceDir: pre.sourceDir,
      targetDir: pre.targetDir,
      pagedelta: pre.sourcePagedelta,
      path,
      last: { index: last.index, dir: prevDir },
      memory,
      bandwidth,
      rtt,
      onFrozen: async () => {
        frozen = true;
        sourceLog = source.runtime.logs(c.id, { tail: 1_000_000 });
        sourceLog.catch(() => undefined);
      },
      clock,
      hooks: undefined,
      sourceLabel: srcLabel,
    });
    at(
      `final round sent (freeze ${fin.round.freeze.toFixed(2)} s, ${(fin.round.bytes / 1048576).toFixed(1)} MiB in ${fin.round.transferTime.toFixed(2)} s)`,
    );
    const rs = await restoreOnTarget(
      target,
      targetId,
      checkpointName,
      fin.targetImageDir,
      memory,
      clock,
      undefined,
      true, // pages by reference: the engine's default restore mode, as Ferry uses it
    );
    const totalS = nowS() - t0;
    at(
      `running on the target (place ${rs.placeTime.toFixed(2)} s, engine start ${rs.startTime.toFixed(2)} s)`,
    );
    await verifyTarget(target, targetId, undefined, clock);
    const log = sourceLog === undefined ? '' : await sourceLog;
    await cleanUpAfterSuccess(leftovers, targetId);
    const all = [...rounds, fin.round];
    return {
      targetId,
      totalS,
      toolTotalS: nowS() - t0,
      bytesOnWire: all.reduce((s, r) => s + r.bytes, 0),
      rounds: rounds.length,
      sourceLog: log,
      toolDowntimeS: rs.runningAt - fin.frozenAt,
      stopReason, // the rule's reason, prefixed with its name
    };
  } catch (e) {
    const rb = await rollBack(leftovers, frozen, memory, clock).catch((re: unknown) => ({
      restoredOnSource: false,
      notes: [`rollback failed: ${re instanceof Error ? re.message : String(re)}`],
    }));
    if (rb.notes.length > 0) ctx.log(`rollback: ${rb.notes.join('; ')}`);
    throw e;
  }
}
