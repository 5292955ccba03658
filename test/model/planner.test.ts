import {
  deriveParams,
  planMigration,
  resolveInputs,
  startCondition,
  STRATEGIES,
  type MigrationPlan,
  type ModelInputs,
  type Strategy,
} from '../../provider/model';
import { bytesPerSecond, gbit, mib, millis, seconds } from '../../provider/units';
import { inputs } from './fixtures';

/** Fast link and a target that a small container can meet. */
const tracked = { bandwidth: gbit(1), costs: { dirtyTracking: true, restoreBase: millis(20) } };

interface Case {
  readonly name: string;
  readonly input: ModelInputs;
  readonly strategy: Strategy;
  readonly rounds?: number;
  readonly meetsTarget: boolean;
  readonly acceptable: boolean;
  readonly start: RegExp;
  readonly reason: RegExp;
}

const cases: Case[] = [
  {
    name: 'zero dirty rate: one round leaves nothing to send',
    input: inputs({
      container: { memory: mib(64), dirtyRate: bytesPerSecond(0), rootfsDiff: mib(1) },
      link: tracked,
    }),
    strategy: 'pre-copy',
    rounds: 1,
    meetsTarget: true,
    acceptable: true,
    start: /pre-copy can start: r = D\/B_eff = 0\.000.*-> 0 B/,
    reason: /after 1 round\(s\) the predicted downtime .* meets the target/,
  },
  {
    name: 'zero dirty rate on this machine: one round, floor above the target',
    input: inputs({ container: { dirtyRate: bytesPerSecond(0) } }),
    strategy: 'pre-copy',
    rounds: 1,
    meetsTarget: false,
    acceptable: false,
    start: /pre-copy can start/,
    reason: /would not lower the predicted downtime/,
  },
  {
    name: 'D >= B: pre-copy never converges and is not picked',
    input: inputs({ container: { dirtyRate: bytesPerSecond(20e6) } }),
    strategy: 'stop-and-copy',
    meetsTarget: false,
    acceptable: false,
    start:
      /pre-copy not started: r = D\/B_eff = 1\.600, floor c = none.*dirty rate is at least the round rate, so rounds do not converge/,
    reason: /no pre-copy rounds: all memory is sent while the container is frozen/,
  },
  {
    name: 'D >= B with post-copy allowed: post-copy',
    input: inputs({ container: { dirtyRate: bytesPerSecond(20e6) }, policy: { postCopyAllowed: true } }),
    strategy: 'post-copy',
    meetsTarget: false,
    acceptable: false,
    start: /pre-copy not started/,
    reason: /no pre-copy rounds: memory follows the switchover lazily/,
  },
  {
    name: 'D >= B but a small working set: one round brings the residual to W',
    input: inputs({ container: { dirtyRate: bytesPerSecond(20e6), workingSet: mib(16) } }),
    strategy: 'pre-copy',
    rounds: 1,
    meetsTarget: false,
    acceptable: false,
    start: /rounds do not converge \(r >= 1\) but the working set caps the residual/,
    reason: /would not lower the predicted downtime/,
  },
  {
    name: 'RTT so large that one round costs more than it saves',
    input: inputs({
      container: { memory: mib(16), dirtyRate: bytesPerSecond(mib(4)) },
      link: { rtt: seconds(3) },
    }),
    strategy: 'stop-and-copy',
    meetsTarget: false,
    acceptable: false,
    start: /pre-copy not started: .*not above the floor c that RTT and per-round overhead set/,
    reason: /no pre-copy rounds/,
  },
  {
    name: 'the same container at a 50 ms RTT: pre-copy pays',
    input: inputs({ container: { memory: mib(16), dirtyRate: bytesPerSecond(mib(4)) } }),
    strategy: 'pre-copy',
    meetsTarget: false,
    acceptable: false,
    start: /pre-copy can start/,
    reason: /below the floor/,
  },
  {
    name: 'a fast link: a full checkpoint per round costs more than a round saves',
    input: inputs({ link: { bandwidth: gbit(10) } }),
    strategy: 'stop-and-copy',
    meetsTarget: false,
    acceptable: false,
    start: /pre-copy not started: .*RTT and per-round costs outweigh what one round saves/,
    reason: /no pre-copy rounds/,
  },
  {
    name: 'target below the floor',
    input: inputs(),
    strategy: 'pre-copy',
    rounds: 3,
    meetsTarget: false,
    acceptable: false,
    start: /pre-copy can start/,
    reason: /the target 300 ms is below the floor .* that pre-copy can reach/,
  },
  {
    name: 'target below the floor, extra downtime acceptable',
    input: inputs({ policy: { extraDowntimeAcceptable: true } }),
    strategy: 'pre-copy',
    rounds: 3,
    meetsTarget: false,
    acceptable: true,
    start: /pre-copy can start/,
    reason: /below the floor/,
  },
  {
    name: 'stop-and-copy already meets the target and is fastest',
    input: inputs({ container: { memory: mib(4), rootfsDiff: mib(1) }, link: tracked }),
    strategy: 'stop-and-copy',
    meetsTarget: true,
    acceptable: true,
    start: /pre-copy can start/,
    reason: /no pre-copy rounds/,
  },
  {
    name: 'pre-copy meets the target after two rounds',
    input: inputs({
      container: { memory: mib(64), rootfsDiff: mib(1), dirtyRate: bytesPerSecond(mib(40)) },
      link: tracked,
    }),
    strategy: 'pre-copy',
    rounds: 2,
    meetsTarget: true,
    acceptable: true,
    start: /pre-copy can start/,
    reason: /after 2 round\(s\) the predicted downtime .* meets the target 300 ms/,
  },
  {
    name: 'post-copy allowed: hybrid meets the target faster than post-copy',
    input: inputs({ container: { rootfsDiff: mib(0.5) }, link: tracked, policy: { postCopyAllowed: true } }),
    strategy: 'hybrid',
    meetsTarget: true,
    acceptable: true,
    start: /pre-copy can start/,
    reason: /round/,
  },
  {
    name: 'no rounds allowed',
    input: inputs({ policy: { maxRounds: 0 } }),
    strategy: 'stop-and-copy',
    meetsTarget: false,
    acceptable: false,
    start: /the policy allows no rounds \(maxRounds = 0\)/,
    reason: /no pre-copy rounds/,
  },
];

describe('planMigration: textbook cases', () => {
  it.each(cases)('$name', (c) => {
    const plan = planMigration(c.input);
    expect(plan.strategy).toBe(c.strategy);
    if (c.rounds !== undefined) expect(plan.rounds).toHaveLength(c.rounds);
    expect(plan.meetsTarget).toBe(c.meetsTarget);
    expect(plan.acceptable).toBe(c.acceptable);
    expect(plan.reasons.start).toMatch(c.start);
    expect(plan.reasons.termination).toMatch(c.reason);
    expect(plan.downtime).toBe(plan.switchover.downtime);
    expect(plan.alternatives.map((a) => a.strategy)).toEqual(STRATEGIES);
    expect(plan.rounds.length).toBeLessThanOrEqual(plan.inputs.policy.maxRounds);
  });
});

describe('planMigration: choice', () => {
  it('never picks pre-copy or hybrid when D >= B and W = M, whatever the policy', () => {
    for (const policy of [
      {},
      { postCopyAllowed: true },
      { extraDowntimeAcceptable: true, targetDowntime: seconds(60) },
    ]) {
      const plan = planMigration(inputs({ container: { dirtyRate: bytesPerSecond(12.5e6) }, policy }));
      expect(['stop-and-copy', 'post-copy']).toContain(plan.strategy);
      expect(plan.alternatives.find((a) => a.strategy === 'pre-copy')!.viable).toBe(false);
    }
  });

  it('prefers the least total time among strategies that meet the target', () => {
    const plan = planMigration(inputs({ container: { memory: mib(4), rootfsDiff: mib(1) }, link: tracked }));
    const meeting = plan.alternatives.filter((a) => a.allowed && a.viable && a.meetsTarget);
    expect(meeting.length).toBeGreaterThan(1);
    expect(plan.totalTime).toBe(Math.min(...meeting.map((a) => a.totalTime)));
    expect(plan.reasons.choice).toMatch(
      /stop-and-copy meets the target 300 ms .* with the shortest total time .*2 of 4 strategies/,
    );
  });

  it('breaks a tie in downtime by total time (post-copy and hybrid with dirty tracking)', () => {
    const plan = planMigration(
      inputs({ link: { costs: { dirtyTracking: true } }, policy: { postCopyAllowed: true } }),
    );
    const post = plan.alternatives.find((a) => a.strategy === 'post-copy')!;
    const hybrid = plan.alternatives.find((a) => a.strategy === 'hybrid')!;
    expect(hybrid.downtime).toBe(post.downtime);
    expect(plan.strategy).toBe('hybrid');
    expect(hybrid.totalTime).toBeLessThan(post.totalTime);
    expect(plan.warnings.join()).toMatch(/post-copy: for .* the container needs the source and the link/);
  });

  it('says what the user can change when nothing meets the target', () => {
    const plan = planMigration(inputs());
    expect(plan.reasons.choice).toMatch(
      /no allowed strategy meets the target 300 ms within the budget; the least downtime is .* by pre-copy .*do not migrate now, or raise the target, or allow post-copy, or accept extra downtime$/,
    );
    const allowed = planMigration(inputs({ policy: { postCopyAllowed: true } }));
    expect(allowed.reasons.choice).not.toMatch(/allow post-copy/);
  });

  it('returns the plan with the least downtime when nothing fits the time budget', () => {
    const plan = planMigration(
      inputs({
        container: { memory: mib(64), rootfsDiff: mib(1), dirtyRate: bytesPerSecond(mib(40)) },
        link: tracked,
        policy: { timeBudget: millis(700), extraDowntimeAcceptable: true },
      }),
    );
    expect(plan.withinBudget).toBe(false);
    expect(plan.acceptable).toBe(false);
    expect(plan.strategy).toBe('pre-copy');
    expect(plan.reasons.choice).toMatch(/and none fits the time budget.*or extend the time budget$/);
    expect(plan.reasons.choice).not.toMatch(/accept extra downtime/);
  });

  it('keeps to the budget when a slower strategy misses it', () => {
    const input = inputs({
      container: { memory: mib(64), rootfsDiff: mib(1), dirtyRate: bytesPerSecond(mib(40)) },
      link: tracked,
      policy: { timeBudget: millis(900) },
    });
    const plan = planMigration(input);
    expect(plan.strategy).toBe('stop-and-copy');
    expect(plan.withinBudget).toBe(true);
    expect(plan.alternatives.find((a) => a.strategy === 'pre-copy')!.withinBudget).toBe(false);
  });

  it('warns when one round pauses the container longer than the target', () => {
    const plan = planMigration(inputs({ container: { memory: mib(512) } }));
    expect(plan.warnings.join()).toMatch(
      /each pre-copy round freezes the container for .* \(a full checkpoint: no dirty-page tracking\), more than the target downtime/,
    );
    const trackedPlan = planMigration(
      inputs({ container: { memory: mib(2048) }, link: { costs: { dirtyTracking: true } } }),
    );
    expect(trackedPlan.warnings.join()).toMatch(/freezes the container for [^(]*, more than the target/);
  });

  it('marks post-copy and hybrid not allowed by default', () => {
    const plan = planMigration(inputs());
    expect(plan.alternatives.filter((a) => !a.allowed).map((a) => a.strategy)).toEqual([
      'post-copy',
      'hybrid',
    ]);
    expect(plan.reasons.choice).toMatch(/post-copy: not allowed by the policy/);
  });
});

describe('a plan is a reproducible, serializable value', () => {
  const plans: MigrationPlan[] = cases.map((c) => planMigration(c.input));

  it('replays from its own inputs', () => {
    for (const plan of plans) expect(planMigration(plan.inputs)).toEqual(plan);
  });

  it('survives JSON', () => {
    for (const plan of plans) {
      const json = JSON.stringify(plan);
      expect(JSON.parse(json)).toEqual(plan);
      expect(planMigration((JSON.parse(json) as MigrationPlan).inputs)).toEqual(plan);
    }
  });

  it('records the model numbers it used', () => {
    const plan = planMigration(
      inputs({
        link: { bandwidthSamples: [{ bytes: mib(100), duration: seconds(10) }] },
        container: { dirtySamples: [{ volume: mib(4), interval: seconds(1) }] },
      }),
    );
    expect(plan.model.bandwidth).toBeCloseTo((12.5e6 + mib(10)) / 2, 3);
    expect(plan.model.dirtyRate).toBeCloseTo(mib(3), 3);
    expect(plan.model.stopRule).toBe('model');
    expect(plan.model.floor).not.toBeNull();
  });

  it('uses the override instead of the estimate', () => {
    const plan = planMigration(inputs({ link: { bandwidthOverride: gbit(1) } }));
    expect(plan.model.bandwidth).toBe(gbit(1));
  });
});

describe('startCondition', () => {
  it('needs the first round to save more than its pause', () => {
    const p = deriveParams(resolveInputs(inputs()));
    const s = startCondition(p);
    expect(s.worthwhile).toBe(true);
    expect(s.reason).toMatch(/saving .* more than the 276 ms pause of its checkpoint/);
  });
});
