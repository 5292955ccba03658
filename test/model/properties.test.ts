/** Properties of the model over random inputs (fast-check). */
import fc from 'fast-check';
import {
  controllerStep,
  deriveParams,
  floorDowntime,
  nextResidual,
  planMigration,
  predictStrategy,
  residualAfterRounds,
  resolveInputs,
  startController,
  STRATEGIES,
  type ModelInputs,
  type ModelParams,
  type RoundMeasurement,
} from '../../provider/model';
import { bytes, bytesPerSecond, seconds } from '../../provider/units';

const MiB = 1024 * 1024;

const costsArb = fc.record({
  dirtyTracking: fc.boolean(),
  freezeBase: fc.double({ min: 0, max: 0.5, noNaN: true }),
  freezePerProcess: fc.double({ min: 0, max: 0.01, noNaN: true }),
  dumpRate: fc.double({ min: 10 * MiB, max: 10_000 * MiB, noNaN: true }),
  deltaRate: fc.double({ min: 10 * MiB, max: 10_000 * MiB, noNaN: true }),
  restoreBase: fc.double({ min: 0, max: 2, noNaN: true }),
  restorePerProcess: fc.double({ min: 0, max: 0.01, noNaN: true }),
  restoreRate: fc.double({ min: 10 * MiB, max: 10_000 * MiB, noNaN: true }),
  restoreScope: fc.constantFrom('full-image' as const, 'residual' as const),
  faultSize: fc.constantFrom(4096, 65536),
});

const inputsArb: fc.Arbitrary<ModelInputs> = fc
  .record({
    memory: fc.double({ min: 1 * MiB, max: 4096 * MiB, noNaN: true }),
    wsFraction: fc.option(fc.double({ min: 0, max: 1, noNaN: true })),
    dirtyRate: fc.double({ min: 0, max: 300 * MiB, noNaN: true }),
    rootfsDiff: fc.double({ min: 0, max: 100 * MiB, noNaN: true }),
    processes: fc.integer({ min: 1, max: 50 }),
    rtt: fc.double({ min: 0, max: 2, noNaN: true }),
    bandwidth: fc.double({ min: 1e5, max: 2e9, noNaN: true }),
    costs: costsArb,
    target: fc.double({ min: 0.01, max: 10, noNaN: true }),
    timeBudget: fc.option(fc.double({ min: 1, max: 3600, noNaN: true })),
    postCopyAllowed: fc.boolean(),
    extraDowntimeAcceptable: fc.boolean(),
    maxRounds: fc.integer({ min: 0, max: 30 }),
  })
  .map((r) => ({
    container: {
      memory: bytes(r.memory),
      dirtyRate: bytesPerSecond(r.dirtyRate),
      ...(r.wsFraction === null ? {} : { workingSet: bytes(r.memory * r.wsFraction) }),
      rootfsDiff: bytes(r.rootfsDiff),
      processes: r.processes,
    },
    link: {
      rtt: seconds(r.rtt),
      bandwidth: bytesPerSecond(r.bandwidth),
      costs: r.costs as ModelInputs['link']['costs'],
    },
    policy: {
      targetDowntime: seconds(r.target),
      timeBudget: r.timeBudget === null ? null : seconds(r.timeBudget),
      postCopyAllowed: r.postCopyAllowed,
      extraDowntimeAcceptable: r.extraDowntimeAcceptable,
      maxRounds: r.maxRounds,
    },
  }));

const paramsOf = (i: ModelInputs): ModelParams => deriveParams(resolveInputs(i));
const withLink = (i: ModelInputs, link: Partial<ModelInputs['link']>): ModelInputs => ({
  ...i,
  link: { ...i.link, ...link },
});
const notAbove = (a: number, b: number) => a <= b * (1 + 1e-12) + 1e-12;

/** Every number in `value`, with its path. */
function numbers(value: unknown, path = 'plan'): [string, number][] {
  if (typeof value === 'number') return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => numbers(v, `${path}[${i}]`));
  if (typeof value === 'object' && value !== null)
    return Object.entries(value).flatMap(([k, v]) => numbers(v, `${path}.${k}`));
  return [];
}

describe('properties of the planner', () => {
  it('predicts only finite, non-negative numbers', () => {
    fc.assert(
      fc.property(inputsArb, (i) => {
        for (const [path, n] of numbers(planMigration(i))) {
          if (!Number.isFinite(n) || n < 0) throw new Error(`${path} = ${n}`);
        }
      }),
    );
  });

  it('total time and traffic are the sums of the phases; total = rounds + downtime + degraded', () => {
    fc.assert(
      fc.property(inputsArb, (i) => {
        const plan = planMigration(i);
        expect(plan.totalTime).toBe(plan.phases.reduce((s, p) => s + p.duration, 0));
        expect(plan.bytesOnWire).toBe(plan.phases.reduce((s, p) => s + p.bytes, 0));
        const parts = plan.rounds.reduce((s, r) => s + r.duration, 0) + plan.downtime + plan.degradedTime;
        expect(Math.abs(plan.totalTime - parts)).toBeLessThanOrEqual(1e-9 * Math.max(1, parts));
      }),
    );
  });

  it('never exceeds the round cap and respects the policy', () => {
    fc.assert(
      fc.property(inputsArb, (i) => {
        const plan = planMigration(i);
        const policy = plan.inputs.policy;
        expect(plan.rounds.length).toBeLessThanOrEqual(policy.maxRounds);
        if (!policy.postCopyAllowed) expect(['post-copy', 'hybrid']).not.toContain(plan.strategy);
        if (plan.acceptable)
          expect(plan.withinBudget && (plan.meetsTarget || policy.extraDowntimeAcceptable)).toBe(true);
        if (plan.meetsTarget && plan.withinBudget) expect(plan.acceptable).toBe(true);
      }),
    );
  });

  it('never picks pre-copy or hybrid when D >= B and there is no smaller working set', () => {
    fc.assert(
      fc.property(inputsArb, fc.double({ min: 1, max: 5, noNaN: true }), (i, factor) => {
        const b = i.link.bandwidth!;
        const heavy = {
          ...i,
          container: { ...i.container, workingSet: undefined, dirtyRate: bytesPerSecond(b * factor) },
        };
        expect(['pre-copy', 'hybrid']).not.toContain(planMigration(heavy).strategy);
      }),
    );
  });

  it('replays from its inputs', () => {
    fc.assert(
      fc.property(inputsArb, (i) => {
        const plan = planMigration(i);
        expect(planMigration(JSON.parse(JSON.stringify(plan.inputs)) as ModelInputs)).toEqual(plan);
      }),
      { numRuns: 50 },
    );
  });
});

describe('monotonicity (per strategy and round count)', () => {
  const rounds = fc.integer({ min: 0, max: 12 });

  it('more bandwidth never increases the predicted downtime', () => {
    fc.assert(
      fc.property(inputsArb, fc.double({ min: 1, max: 100, noNaN: true }), rounds, (i, k, n) => {
        const slow = paramsOf(i);
        const fast = paramsOf(withLink(i, { bandwidth: bytesPerSecond(i.link.bandwidth! * k) }));
        for (const s of STRATEGIES)
          expect(notAbove(predictStrategy(fast, s, n).downtime, predictStrategy(slow, s, n).downtime)).toBe(
            true,
          );
        expect(notAbove(floorDowntime(fast), floorDowntime(slow))).toBe(true);
      }),
    );
  });

  it('more RTT never decreases the predicted downtime', () => {
    fc.assert(
      fc.property(inputsArb, fc.double({ min: 0, max: 1, noNaN: true }), rounds, (i, extra, n) => {
        const near = paramsOf(i);
        const far = paramsOf(withLink(i, { rtt: seconds(i.link.rtt + extra) }));
        for (const s of STRATEGIES)
          expect(notAbove(predictStrategy(near, s, n).downtime, predictStrategy(far, s, n).downtime)).toBe(
            true,
          );
        expect(notAbove(floorDowntime(near), floorDowntime(far))).toBe(true);
      }),
    );
  });
});

describe('the closed form', () => {
  it('equals the iterated recurrence', () => {
    fc.assert(
      fc.property(inputsArb, fc.integer({ min: 0, max: 30 }), (i, n) => {
        const p = paramsOf(i);
        let v = p.memory;
        for (let k = 0; k < n; k++) v = nextResidual(p, v);
        expect(Math.abs(residualAfterRounds(p, n) - v)).toBeLessThanOrEqual(1e-6 * Math.max(1, p.memory));
      }),
    );
  });
});

describe('the online controller', () => {
  const measurement: fc.Arbitrary<RoundMeasurement> = fc.record({
    sent: fc.double({ min: 0, max: 512 * MiB, noNaN: true }).map(bytes),
    transferTime: fc.double({ min: 0, max: 60, noNaN: true }).map((x) => seconds(x)),
    duration: fc.double({ min: 0.001, max: 60, noNaN: true }).map((x) => seconds(x)),
  });

  it('never asks for another round once the predicted downtime meets the target, nor past the cap', () => {
    fc.assert(
      fc.property(inputsArb, fc.array(measurement, { maxLength: 15 }), (i, ms) => {
        let state = startController(i);
        let elapsed = 0;
        for (const m of ms) {
          elapsed += m.duration;
          const step = controllerStep(state, m, seconds(elapsed));
          state = step.state;
          const d = step.decision;
          for (const [path, n] of numbers(d, 'decision'))
            if (!Number.isFinite(n) || n < 0) throw new Error(`${path} = ${n}`);
          if (d.predictedDowntime <= state.inputs.policy.targetDowntime) expect(d.action).toBe('switch-over');
          if (d.round >= state.inputs.policy.maxRounds) expect(d.action).not.toBe('another-round');
          if (d.action === 'switch-to-post-copy') expect(state.inputs.policy.postCopyAllowed).toBe(true);
        }
      }),
    );
  });
});
