/**
 * The report of a migration that ended `done`, built from what its phases found (pure). The total is the
 * wall time from the start; the downtime runs from the final freeze to the target running.
 */
import { bytes, seconds, type Duration } from '../units';
import type { DataPath } from './data-path/data-path';
import type { FinalRoundResult } from './switchover/final-round';
import type { ImageTransferResult } from './switchover/image-transfer';
import type { PrecopyResult } from './precopy/precopy';
import type { Preparation } from './measure/prepare';
import type { MigrationReport } from './report';
import type { RestoreResult } from './switchover/restore';
import type { RestoreMode } from './types';
import type { VerifyResult } from './verify/verify';

/** Everything a finished migration found. */
export interface ReportFacts {
  readonly migrationId: string;
  readonly container: string;
  readonly from: string;
  readonly to: string;
  readonly targetId: string;
  readonly prep: Preparation;
  readonly pc: PrecopyResult | undefined;
  readonly fin: FinalRoundResult;
  readonly rs: RestoreResult;
  readonly vr: VerifyResult;
  readonly path: Pick<DataPath, 'kind' | 'reason'>;
  readonly memory: MigrationReport['memory'];
  readonly restoreMode: RestoreMode;
  readonly imageSent: boolean;
  readonly image: ImageTransferResult | undefined;
  /** Wall time of the whole migration, seconds. */
  readonly totalTime: Duration;
  /** Clock reading at the end, seconds (for the time from the plan). */
  readonly endedAt: number;
  /** Cleanup problems. */
  readonly notes: readonly string[];
}

/** The report (pure). */
export function buildReport(f: ReportFacts): MigrationReport {
  const rounds = [...(f.pc?.rounds ?? []), f.fin.round];
  return {
    migrationId: f.migrationId,
    container: f.container,
    from: f.from,
    to: f.to,
    targetContainerId: f.targetId,
    plan: f.prep.plan,
    strategy: f.prep.strategy,
    rtt: f.prep.rtt,
    bandwidth: f.pc?.decider.bandwidth ?? f.prep.bandwidth,
    memory: f.memory,
    dirtyRate: f.prep.dirtyRate,
    measureFreezes: f.prep.measureFreezes,
    rounds,
    stopReason: f.pc?.stopReason ?? 'stop-and-copy: no pre-copy rounds',
    downtime: seconds(f.rs.runningAt - f.fin.frozenAt),
    workloadGap: f.vr.workload.find((w) => w.gap !== undefined)?.gap,
    workload: f.vr.workload,
    totalTime: f.totalTime,
    timeFromPlan: seconds(f.endedAt - f.prep.plannedAt),
    bytesOnWire: bytes(rounds.reduce((s, r) => s + r.bytes, 0) + f.prep.probeBytes),
    dataPath: { kind: f.path.kind, reason: f.path.reason },
    restoreMode: f.restoreMode,
    restore: {
      finalCheckpoint: f.fin.round.freeze,
      finalTransfer: f.fin.round.transferTime,
      place: f.rs.placeTime,
      engineStart: f.rs.startTime,
      rootfs: f.fin.rootfs.duration,
    },
    rootfs: { copied: f.fin.rootfs.plan.copy, deleted: f.fin.rootfs.plan.remove },
    imageSent: f.imageSent,
    ...(f.image === undefined ? {} : { image: f.image }),
    notes: f.notes,
  };
}
