import {
  floorDowntime,
  LXD_RULE,
  modelStopRule,
  PHAUL_RULE,
  ROUND_LIMIT,
  runPrecopy,
  simulatePrecopy,
  type StopRule,
  type RoundObservation,
} from '../../provider/model';
import { bytesPerSecond, gbit, mib, millis, seconds } from '../../provider/units';
import { inputs, params } from './fixtures';

describe('the model stop rule', () => {
  it('stops at the smallest n that meets the target', () => {
    const p = params({
      container: { memory: mib(64), rootfsDiff: mib(1), dirtyRate: bytesPerSecond(mib(40)) },
      link: { bandwidth: gbit(1), costs: { dirtyTracking: true, restoreBase: millis(20) } },
    });
    const run = runPrecopy(p, modelStopRule(p));
    expect(run.rounds).toBeGreaterThanOrEqual(2);
    expect(run.observations[run.rounds - 1]!.downtimeIfStopped).toBeLessThanOrEqual(0.3);
    expect(run.observations[run.rounds - 2]!.downtimeIfStopped).toBeGreaterThan(0.3);
    expect(run.reason).toMatch(/after \d+ round\(s\) the predicted downtime .* meets the target 300 ms/);
  });

  it('stops where another round gains less than its pause when the target is below the floor', () => {
    const p = params();
    const run = runPrecopy(p, modelStopRule(p));
    const last = run.observations[run.rounds - 1]!;
    expect(last.downtimeIfStopped - last.downtimeAfterNext).toBeLessThanOrEqual(last.nextRoundPause);
    const prev = run.observations[run.rounds - 2]!;
    expect(prev.downtimeIfStopped - prev.downtimeAfterNext).toBeGreaterThan(prev.nextRoundPause);
    expect(run.reason).toMatch(/lower the downtime by .* only, no more than the .* pause.*below the floor/);
  });

  it('says when another round would not lower the downtime at all', () => {
    const p = params({ container: { dirtyRate: bytesPerSecond(0) } });
    const run = runPrecopy(p, modelStopRule(p));
    expect(run.rounds).toBe(1);
    expect(run.reason).toMatch(/would not lower the predicted downtime .* does not shrink/);
  });

  it('does not blame the floor when the target is just above it', () => {
    const base = params();
    const p = params({ policy: { targetDowntime: seconds(floorDowntime(base) * 1.0001) } });
    const run = runPrecopy(p, modelStopRule(p));
    expect(run.reason).toMatch(/only, no more than the .* pause of its checkpoint$/);
    expect(run.reason).not.toMatch(/below the floor/);
  });

  it('stops at the hard cap', () => {
    const p = params({
      link: { costs: { dirtyTracking: true, freezeBase: seconds(0), freezePerProcess: seconds(0) } },
      policy: { maxRounds: 2 },
    });
    const run = runPrecopy(p, modelStopRule(p));
    expect(run.rounds).toBe(2);
    expect(run.reason).toMatch(/hard cap of 2 round\(s\) reached/);
  });

  it('stops when another round would end after the time budget', () => {
    const p = params({ link: { costs: { dirtyTracking: true } }, policy: { timeBudget: seconds(25) } });
    const run = runPrecopy(p, modelStopRule(p));
    const last = run.observations[run.rounds - 1]!;
    expect(last.elapsed + last.nextRoundDuration + last.downtimeAfterNext).toBeGreaterThan(25);
    expect(run.reason).toMatch(/after the time budget 25\.00 s/);
  });
});

describe('runPrecopy', () => {
  it('gives up after ROUND_LIMIT rounds of a rule that never stops', () => {
    const never: StopRule<RoundObservation> = {
      name: 'never',
      decide: () => ({ stop: false, reason: 'go on' }),
    };
    const run = runPrecopy(params(), never);
    expect(run.rounds).toBe(ROUND_LIMIT);
    expect(run.reason).toMatch(/simulation limit of 1000 rounds/);
  });

  it('accumulates elapsed time over rounds', () => {
    const run = runPrecopy(params(), PHAUL_RULE);
    const total = run.observations.reduce((s, o) => s + o.duration, 0);
    expect(run.observations[run.rounds - 1]!.elapsed).toBeCloseTo(total, 9);
  });
});

describe('simulatePrecopy compares stop rules on the same inputs', () => {
  const i = inputs();
  const plans = [PHAUL_RULE, LXD_RULE].map((r) => simulatePrecopy(i, r));

  it('runs p.haul to its 8-round cap when the residual never drops to 64 pages', () => {
    const [phaul] = plans;
    expect(phaul!.rounds).toHaveLength(8);
    expect(phaul!.reasons.termination).toMatch(/p\.haul: reached 8 rounds/);
    expect(phaul!.model.stopRule).toBe('p.haul');
  });

  it('stops LXD once 70 % of the pages are unchanged', () => {
    const lxd = plans[1]!;
    expect(lxd.reasons.termination).toMatch(/LXD: .* of pages unchanged, goal 70 %/);
    const last = lxd.rounds[lxd.rounds.length - 1]!;
    expect(last.pagesSkipped / (last.pagesSkipped + last.pagesWritten)).toBeGreaterThanOrEqual(0.7);
  });

  it('keeps the strategy pre-copy, the inputs, and one alternative', () => {
    for (const plan of plans) {
      expect(plan.strategy).toBe('pre-copy');
      expect(plan.alternatives).toHaveLength(1);
      expect(plan.reasons.start).toMatch(/rounds start unconditionally/);
      expect(plan.inputs.container.memory).toBe(mib(256));
    }
  });
});
