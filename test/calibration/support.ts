/**
 * Synthetic migration reports generated from known costs: every phase time is what the model says those
 * costs give, and the plan is a real `planMigration` result. Typed as the engine's `MigrationReport`, so the
 * calibration's report schema is checked against the real shape.
 */
import type { MigrationReport } from '../../provider/engine/report';
import type { RoundRecord } from '../../provider/engine/precopy/precopy';
import {
  deltaTime,
  deriveParams,
  freezeTime,
  planMigration,
  resolveInputs,
  switchover,
  type ModelInputs,
  type ResolvedCosts,
} from '../../provider/model';
import type { RestoreModeName } from '../../provider/calibration';
import { bytes, mbit, mib, mibPerSecond, millis, seconds, type Bytes } from '../../provider/units';

/** One synthetic migration. */
export interface RunSpec {
  /** M, MiB. */
  readonly memoryMiB: number;
  /** Pre-copy rounds before the final one. */
  readonly rounds: number;
  /** V, the final round's MiB. */
  readonly finalMiB: number;
  /** P. */
  readonly processes?: number;
  /** RTT, ms. */
  readonly rttMs?: number;
  /** B, Mbit/s. */
  readonly mbit?: number;
  /** F, the root fs diff, MiB. */
  readonly rootfsMiB?: number;
  /** Restore mode. */
  readonly restoreMode?: RestoreModeName;
}

const round = (
  index: number,
  kind: 'precopy' | 'final',
  sent: Bytes,
  freeze: number,
  delta: number,
): RoundRecord => ({
  index,
  kind,
  pagesTotal: 1000,
  pagesSent: Math.round(sent / 4096),
  pagesUnchanged: 0,
  bytes: sent,
  freeze: seconds(freeze),
  deltaTime: seconds(delta),
  transferTime: seconds(0.1),
  duration: seconds(freeze + delta + 0.1),
});

/** The report of `spec` under `costs` (the true costs; `dirtyTracking` must be false). */
export function syntheticReport(id: string, spec: RunSpec, costs: ResolvedCosts): MigrationReport {
  const inputs: ModelInputs = {
    container: {
      memory: mib(spec.memoryMiB),
      dirtyRate: mibPerSecond(1),
      rootfsDiff: mib(spec.rootfsMiB ?? 0),
      processes: spec.processes ?? 1,
    },
    link: { rtt: millis(spec.rttMs ?? 50), bandwidth: mbit(spec.mbit ?? 100), costs },
  };
  const p = deriveParams(resolveInputs(inputs));
  const freeze = freezeTime(p, p.memory);
  const delta = deltaTime(p);
  const s = switchover(p, 'copy', mib(spec.finalMiB), spec.rounds);
  const rounds = [
    // the first round's delta has no previous image: the fit must ignore it, so it is way off here
    ...Array.from({ length: spec.rounds }, (_, i) =>
      round(i, 'precopy', mib(spec.memoryMiB / (i + 1)), freeze, i === 0 ? 9 : delta),
    ),
    round(spec.rounds, 'final', mib(spec.finalMiB), freeze, spec.rounds > 0 ? delta : 0),
  ];
  return {
    migrationId: id,
    container: 'c',
    from: 'cluster-a/host-1',
    to: 'cluster-b/host-1',
    targetContainerId: 'b'.repeat(64),
    plan: planMigration(inputs),
    strategy: spec.rounds > 0 ? 'pre-copy' : 'stop-and-copy',
    rtt: p.rtt,
    bandwidth: p.bandwidth,
    memory: p.memory,
    dirtyRate: p.dirtyRate,
    measureFreezes: [],
    rounds,
    stopReason: 'synthetic',
    downtime: s.downtime,
    workloadGap: undefined,
    totalTime: seconds(60),
    timeFromPlan: seconds(50),
    bytesOnWire: bytes(rounds.reduce((a, r) => a + r.bytes, 0)),
    dataPath: { kind: 'direct', reason: 'synthetic' },
    restoreMode: spec.restoreMode ?? 'pages-by-reference',
    restore: {
      finalCheckpoint: freeze,
      finalTransfer: seconds(s.memoryTransfer + s.rtt),
      place: seconds(0.02),
      engineStart: seconds(s.restore - 0.02),
      rootfs: s.rootfsTransfer,
    },
    rootfs: { copied: [], deleted: [] },
    imageSent: false,
    notes: [],
  };
}

/** A report as `ferry migrate --json` prints it (JSON drops `undefined` fields). */
export const asJson = (r: MigrationReport): unknown => JSON.parse(JSON.stringify(r));
