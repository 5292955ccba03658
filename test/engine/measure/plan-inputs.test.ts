import { planInputs, ENGINE_POLICY } from '../../../provider/engine/measure/plan-inputs';
import {
  deriveParams,
  planMigration,
  resolveInputs,
  simulatePrecopy,
  switchover,
  type ModelInputs,
  type RoundObservation,
  type StopRule,
} from '../../../provider/model';
import { bytes, mib, millis, seconds } from '../../../provider/units';

const link = {
  rtt: millis(50),
  sendOverhead: seconds(0.25),
  probeBytes: mib(6),
  sample: { bytes: mib(12), duration: seconds(1) },
};
const container = (dirty?: number) => ({
  memory: mib(256),
  otherFiles: bytes(100_000),
  dirty: dirty === undefined ? undefined : { volume: mib(dirty), interval: seconds(1) },
  checkpoints: [],
});

describe('planInputs', () => {
  it.each<[number | undefined, number | undefined]>([
    [4, undefined],
    [undefined, 0],
  ])('dirty sample %s -> dirtyRate %s', (dirty, rate) => {
    const i = planInputs({
      link,
      container: container(dirty),
      rootfsDiff: bytes(0),
      processes: 0,
      policy: undefined,
      dirtyTracking: false,
    });
    expect(i.container.dirtyRate).toBe(rate);
    expect(i.container.dirtySamples?.length ?? 0).toBe(dirty === undefined ? 0 : 1);
    expect(i.container.processes).toBe(1);
    expect(i.link.bandwidthSamples).toEqual([link.sample]);
    expect(() => planMigration(i)).not.toThrow();
  });

  it('lets the request policy override the engine policy', () => {
    const i = planInputs({
      link,
      container: container(1),
      rootfsDiff: bytes(0),
      processes: 1,
      policy: { extraDowntimeAcceptable: false, maxRounds: 2 },
      dirtyTracking: false,
    });
    expect(ENGINE_POLICY.extraDowntimeAcceptable).toBe(true);
    expect(i.policy).toEqual({ extraDowntimeAcceptable: false, maxRounds: 2 });
  });
});

/**
 * Calibration of ENGINE_COSTS (docs/model.md, "Calibration": the default profile): every migration of the current
 * engine whose downtime was measured on the test bed (50 ms RTT, 100 Mbit/s, dirtier workload, 1 process,
 * pages-by-reference restore), replayed through the planner from the inputs the engine planned with (RTT,
 * probe rate, M and D exactly as its `plan:` log line gives them, no root fs diff) and with the number of
 * pre-copy rounds the run actually made (the controller of the time decided it; a replay must compare the
 * same migration). Measured downtime: the engine's (`restore: ... downtime N ms` in the log), except for the
 * bench rows, which take the benchmark's own figure (`downtimeS`, the longest gap in the workload's ticks).
 * `finalMiB` is what the final round sent (its report line: 14.8, 18.8 and 22.8 KiB for the idle runs), where
 * the log has it.
 * Sources (excerpts under docs/calibration/, each line prefixed with its number in the full log):
 * - bench: bench/results/2026-11-22-034215.json (ferry runs seq 3, 6, 9), plan lines in
 *   2026-11-22-bench-final.log;
 * - ci, ci2, ci3: 2026-11-22-ci-run.log, -ci-run2.log, -ci-run3.log (test/engine/migrate.it.test.ts and the
 *   Pulumi e2e test), named by the line number of the run's `plan:` entry (e.g. ci:451);
 * - demo: 2026-11-22-demo.log (migration 20261122-035638-d4c2d7).
 * With the costs before this calibration the planner predicted 10 to 82 % too much downtime on these points.
 */
interface CalibrationPoint {
  readonly run: string;
  readonly rttMs: number;
  readonly probeMbit: number;
  readonly memoryMiB: number;
  readonly dirtyMiBs: number;
  readonly rounds: number;
  readonly measured: number;
  readonly finalMiB: number | null;
}

const point = (
  run: string,
  rttMs: number,
  probeMbit: number,
  memoryMiB: number,
  dirtyMiBs: number,
  rounds: number,
  measured: number,
  finalMiB: number | null,
): CalibrationPoint => ({ run, rttMs, probeMbit, memoryMiB, dirtyMiBs, rounds, measured, finalMiB });

/** Run, RTT ms, probe Mbit/s, M MiB, D MiB/s, pre-copy rounds made, measured downtime s, final round MiB. */
const CALIBRATION_POINTS: readonly CalibrationPoint[] = [
  point('bench 64 MiB rep 1 (seq 3)', 51.1, 96.3, 64.1, 1.01, 2, 0.823, null),
  point('bench 64 MiB rep 2 (seq 6)', 51.3, 95.9, 64.1, 1.01, 2, 0.807, null),
  point('bench 64 MiB rep 3 (seq 9)', 50.9, 96.1, 64.1, 0.96, 2, 0.776, null),
  point('ci:451 256 MiB A->B', 51.5, 96.1, 256.1, 2.9, 3, 2.224, 13.3),
  point('ci:485 256 MiB B->A', 51.0, 96.0, 256.1, 3.03, 3, 2.202, 13.1),
  point('ci2:141 256 MiB A->B', 51.2, 96.1, 256.1, 3.05, 3, 2.318, 13.1),
  point('ci2:175 256 MiB B->A', 51.3, 96.1, 256.1, 3.14, 3, 2.171, 13.0),
  point('ci3:141 256 MiB A->B', 51.1, 96.0, 256.1, 2.98, 3, 2.418, 13.3),
  point('ci3:175 256 MiB B->A', 51.3, 96.1, 256.1, 3.14, 3, 2.348, 13.9),
  point('demo:114 32 MiB', 51.6, 96.1, 32.1, 1.93, 2, 0.862, 2.0),
  point('ci2:351 32 MiB (Pulumi e2e)', 50.9, 96.1, 32.1, 1.97, 2, 0.838, 2.0),
  point('ci3:332 32 MiB (Pulumi e2e)', 51.4, 96.2, 32.1, 1.97, 2, 0.877, 2.0),
  point('ci:245 32 MiB (Pulumi e2e, 1 round)', 51.3, 96.2, 32.1, 1.49, 1, 1.234, 6.1),
  point('ci:519 16 MiB idle', 51.0, 96.1, 16.1, 0.01, 1, 0.675, 0.0145),
  point('ci2:209 16 MiB idle', 51.2, 96.3, 16.1, 0.01, 1, 0.66, 0.0184),
  point('ci3:209 16 MiB idle', 51.2, 96.0, 16.1, 0.02, 1, 0.685, 0.0223),
  point('ci:579 8 MiB idle', 53.0, 96.1, 8.1, 0.01, 1, 0.781, 0.0145),
  point('ci2:269 8 MiB idle', 51.0, 96.0, 8.1, 0.02, 1, 0.671, 0.0184),
  point('ci3:269 8 MiB idle', 51.2, 95.9, 8.1, 0.02, 1, 0.658, 0.0184),
  point('ci:549 64 MiB hot', 51.1, 95.8, 64.1, 26.42, 1, 6.303, 62.7),
  point('ci2:239 64 MiB hot', 50.8, 96.4, 64.1, 25.85, 1, 6.27, 62.7),
  point('ci3:239 64 MiB hot', 51.5, 96.0, 64.1, 25.51, 1, 6.314, 62.7),
];

/** The planner's inputs for a calibration point, built by the engine's own `planInputs`. */
const calibrationInputs = (c: CalibrationPoint): ModelInputs =>
  planInputs({
    link: {
      rtt: millis(c.rttMs),
      sendOverhead: seconds(0),
      probeBytes: bytes(0),
      sample: { bytes: bytes((c.probeMbit * 1e6) / 8), duration: seconds(1) },
    },
    container: {
      memory: mib(c.memoryMiB),
      otherFiles: bytes(0),
      dirty: { volume: mib(c.dirtyMiBs), interval: seconds(1) },
      checkpoints: [],
    },
    rootfsDiff: bytes(0),
    processes: 1,
    policy: undefined,
    dirtyTracking: false,
  });

/** The downtime the planner predicts for a calibration point, with the run's number of rounds. */
function replay(c: CalibrationPoint): number {
  const asRun: StopRule<RoundObservation> = {
    name: 'as run',
    decide: (history) => ({ stop: history.length >= c.rounds, reason: `${c.rounds} round(s), as run` }),
  };
  const plan = simulatePrecopy(calibrationInputs(c), asRun);
  expect(plan.rounds).toHaveLength(c.rounds);
  return plan.downtime;
}

describe('ENGINE_COSTS calibration', () => {
  it.each(CALIBRATION_POINTS)(
    '$run ($rounds round(s)): predicted downtime within 30 % of the measured $measured s',
    (c) => {
      expect(Math.abs(replay(c) / c.measured - 1)).toBeLessThanOrEqual(0.3);
    },
  );

  it('has no systematic bias: the median error is within 10 %', () => {
    const errors = CALIBRATION_POINTS.map((c) => replay(c) / c.measured - 1).sort((a, b) => a - b);
    expect(Math.abs(errors[Math.floor(errors.length / 2)]!)).toBeLessThanOrEqual(0.1);
  });

  // the cost terms alone: the switchover of the residual the run actually sent (the rest of the error above
  // is the predicted residual, which depends on D, not on the costs); all within 6 % but ci:579, whose final
  // checkpoint took 242 ms instead of the usual 120 to 160 ms
  it.each(CALIBRATION_POINTS.filter((c) => c.finalMiB !== null))(
    '$run: switchover of the measured final round ($finalMiB MiB) within 15 % of the measured $measured s',
    (c) => {
      const p = deriveParams(resolveInputs(calibrationInputs(c)));
      const downtime = switchover(p, 'copy', mib(c.finalMiB!), c.rounds).downtime;
      expect(Math.abs(downtime / c.measured - 1)).toBeLessThanOrEqual(0.15);
    },
  );
});
