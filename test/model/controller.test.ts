import { InvalidInput } from '../../provider/errors';
import {
  controllerStep,
  decideSwitchover,
  observeRound,
  startController,
  type ControllerState,
  type MigrationPolicy,
  type ModelInputs,
  type RoundMeasurement,
} from '../../provider/model';
import { bytesPerSecond, gbit, mib, millis, seconds } from '../../provider/units';
import { inputs } from './fixtures';

/** 64 MiB dirtied at 40 MiB/s over 1 Gbit/s with dirty tracking: pre-copy meets 300 ms in two rounds. */
const busy = (policy: MigrationPolicy = {}, over: Partial<ModelInputs['link']> = {}): ModelInputs =>
  inputs({
    container: { memory: mib(64), rootfsDiff: mib(1), dirtyRate: bytesPerSecond(mib(40)) },
    link: { bandwidth: gbit(1), costs: { dirtyTracking: true, restoreBase: millis(20) }, ...over },
    policy,
  });

const round = (sentMiB: number, transfer: number, duration: number): RoundMeasurement => ({
  sent: mib(sentMiB),
  transferTime: seconds(transfer),
  duration: seconds(duration),
});

/** The field named by the `InvalidInput` that `f` throws, or `undefined` when it does not throw. */
function thrownField(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof InvalidInput) return e.field;
    throw e;
  }
  return undefined;
}

function run(state: ControllerState, rounds: RoundMeasurement[], elapsed = seconds(0)) {
  let s = state;
  for (const r of rounds) s = observeRound(s, r);
  return { state: s, decision: decideSwitchover(s, elapsed) };
}

describe('startController', () => {
  it('starts from the planning estimates', () => {
    const s = startController(busy());
    expect(s.bandwidth).toBe(gbit(1));
    expect(s.dirtyRate).toBe(mib(40));
    expect(s.rounds).toEqual([]);
    expect(s.bestResidual).toBeNull();
  });

  it('validates its inputs', () => {
    expect(() => startController(inputs({ link: { rtt: seconds(300) } }))).toThrow(InvalidInput);
  });
});

describe('observeRound re-estimates B and D with an EWMA', () => {
  const s0 = startController(busy());

  it('takes a bandwidth sample from each round and a dirty sample from the second on', () => {
    const s1 = observeRound(s0, round(64, 1, 1.2));
    expect(s1.bandwidth).toBeCloseTo((gbit(1) + mib(64)) / 2, 3);
    expect(s1.dirtyRate).toBe(mib(40));
    const s2 = observeRound(s1, round(24, 0.5, 0.6));
    expect(s2.bandwidth).toBeCloseTo((s1.bandwidth + mib(48)) / 2, 3);
    expect(s2.dirtyRate).toBeCloseTo((mib(40) + mib(20)) / 2, 3);
    expect(s2.rounds).toHaveLength(2);
    expect(s0.rounds).toHaveLength(0);
  });

  it('keeps B when nothing was sent or no time was measured, and when overridden', () => {
    expect(observeRound(s0, round(0, 1, 1)).bandwidth).toBe(gbit(1));
    expect(observeRound(s0, round(10, 0, 1)).bandwidth).toBe(gbit(1));
    const o = startController(busy({}, { bandwidthOverride: gbit(2) }));
    expect(observeRound(o, round(64, 10, 10)).bandwidth).toBe(gbit(2));
  });

  it('tracks progress of the predicted residual', () => {
    const s1 = observeRound(s0, round(64, 0.54, 1));
    expect(s1.bestResidual).toBeCloseTo(mib(40), 0);
    expect(s1.roundsWithoutProgress).toBe(0);
    const s2 = observeRound(s1, round(40, 0.34, 1));
    expect(s2.roundsWithoutProgress).toBe(1);
    expect(s2.bestResidual).toBe(s1.bestResidual);
  });

  it.each([
    [{ sent: -1, transferTime: 1, duration: 1 }, 'rounds[0].sent'],
    [{ sent: 1, transferTime: Number.NaN, duration: 1 }, 'rounds[0].transferTime'],
    [{ sent: 1, transferTime: 1, duration: 0 }, 'rounds[0].duration'],
  ])('rejects %j naming %s', (m, field) => {
    expect(thrownField(() => observeRound(s0, m as unknown as RoundMeasurement))).toBe(field);
  });
});

describe('decideSwitchover', () => {
  it('rejects a bad elapsed time', () => {
    expect(thrownField(() => decideSwitchover(startController(busy()), -1 as never))).toBe('elapsed');
  });

  it('switches over at once when stop-and-copy already meets the target', () => {
    const s = startController(
      inputs({
        container: { memory: mib(4), rootfsDiff: mib(1) },
        link: { bandwidth: gbit(1), costs: { dirtyTracking: true, restoreBase: millis(20) } },
      }),
    );
    const d = decideSwitchover(s, seconds(0));
    expect(d.action).toBe('switch-over');
    expect(d.round).toBe(0);
    expect(d.predictedResidual).toBe(mib(4));
    expect(d.reason).toMatch(/meets the target 300 ms/);
  });

  it('asks for round 0, then another round, then switches over as predicted', () => {
    const s0 = startController(busy());
    const d0 = decideSwitchover(s0, seconds(0));
    expect(d0.action).toBe('another-round');
    expect(d0.reason).toMatch(/is above the target 300 ms; one more round should bring it to/);
    const a = controllerStep(s0, round(64, 0.54, 0.62), seconds(0.62));
    expect(a.decision.action).toBe('another-round');
    expect(a.decision.predictedDowntime).toBeGreaterThan(0.3);
    const b = controllerStep(a.state, round(24.8, 0.21, 0.29), seconds(0.91));
    expect(b.decision.action).toBe('switch-over');
    expect(b.decision.predictedDowntime).toBeLessThanOrEqual(0.3);
    expect(b.decision.thresholdResidual).toBeGreaterThanOrEqual(b.decision.predictedResidual);
  });

  it('escalates at the hard cap: within 1.5 x target it switches over', () => {
    const { decision } = run(startController(busy({ maxRounds: 1 })), [round(64, 0.54, 0.62)]);
    expect(decision.action).toBe('switch-over');
    expect(decision.reason).toMatch(/hard cap of 1 round\(s\) reached; .* is within 1\.5 x the target/);
  });

  it('stops when another round would end after the time budget', () => {
    const { decision } = run(
      startController(busy({ timeBudget: seconds(1), downtimeTolerance: 1 })),
      [round(64, 0.54, 0.62)],
      seconds(0.62),
    );
    expect(decision.action).toBe('abort');
    expect(decision.reason).toMatch(
      /another round would end after the time budget 1\.00 s \(620 ms elapsed\)/,
    );
  });

  describe('stall detection and escalation', () => {
    // each round measures 30 MiB in 1 s: the residual does not shrink although the model expects it to
    const stalled = [round(64, 0.54, 1), round(30, 0.25, 1), round(30, 0.25, 1)];
    const policy: MigrationPolicy = { stallWindow: 2, minProgress: 0.2, downtimeTolerance: 1.2 };

    it('aborts when neither post-copy nor extra downtime is allowed', () => {
      const { decision } = run(startController(busy(policy)), stalled);
      expect(decision.action).toBe('abort');
      expect(decision.reason).toMatch(
        /^stalled: no progress in 2 round\(s\); .* above 1\.2 x the target 300 ms .* keeps running on the source$/,
      );
    });

    it('switches to post-copy when allowed', () => {
      const { decision } = run(startController(busy({ ...policy, postCopyAllowed: true })), stalled);
      expect(decision.action).toBe('switch-to-post-copy');
      expect(decision.postCopyDowntime).toBeLessThan(decision.predictedDowntime);
      expect(decision.reason).toMatch(/post-copy downtime/);
    });

    it('switches over with extra downtime when the policy accepts it', () => {
      const { decision } = run(startController(busy({ ...policy, extraDowntimeAcceptable: true })), stalled);
      expect(decision.action).toBe('switch-over');
      expect(decision.reason).toMatch(/the policy accepts extra downtime/);
    });
  });

  it('stops when another round would not lower the downtime (D >= B)', () => {
    const s = startController(
      inputs({ container: { dirtyRate: bytesPerSecond(20e6) }, policy: { postCopyAllowed: true } }),
    );
    const d = decideSwitchover(s, seconds(0));
    expect(d.action).toBe('switch-to-post-copy');
    expect(d.reason).toMatch(
      /^another round would not lower the downtime \(22\.98 s now, 23\.23 s after it\)/,
    );
  });

  it('stops when another round saves less than its pause', () => {
    const s = startController(
      inputs({ link: { bandwidth: gbit(5) }, policy: { extraDowntimeAcceptable: true } }),
    );
    const d = decideSwitchover(s, seconds(0));
    expect(d.action).toBe('switch-over');
    expect(d.reason).toMatch(
      /^another round would save .* of downtime, no more than its 276 ms checkpoint pause/,
    );
  });

  it('does not switch to post-copy when it would not shorten the downtime', () => {
    const s = startController(
      inputs({
        container: { dirtyRate: bytesPerSecond(0) },
        link: { costs: { dirtyTracking: true, restoreScope: 'residual', restoreBase: seconds(2) } },
        policy: { postCopyAllowed: true },
      }),
    );
    const { decision } = run(s, [round(256, 21.5, 22)]);
    expect(decision.predictedResidual).toBe(0);
    expect(decision.postCopyDowntime).toBe(decision.predictedDowntime);
    expect(decision.action).toBe('abort');
    expect(decision.reason).toMatch(
      /post-copy would not shorten it, nor does the policy accept extra downtime: abort/,
    );
  });
});
