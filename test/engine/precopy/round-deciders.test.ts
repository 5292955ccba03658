import fc from 'fast-check';
import {
  controllerDecider,
  FIXED_RULE_ROUND_CAP,
  ruleDecider,
  type RoundFacts,
} from '../../../provider/engine/precopy/round-deciders';
import {
  LXD_RULE,
  PHAUL_RULE,
  controllerStep,
  startController,
  type ModelInputs,
  type StopRule,
} from '../../../provider/model';
import { bytes, bytesPerSecond, mib, seconds } from '../../../provider/units';

const round = (pagesSent: number, pagesUnchanged: number, transferTime = 1): RoundFacts => ({
  sent: bytes(pagesSent * 4096),
  transferTime: seconds(transferTime),
  duration: seconds(transferTime + 0.2),
  pagesSent,
  pagesUnchanged,
});

/** Runs `decider` over `rounds` and returns the verdict actions. */
function actions(rule: StopRule, rounds: readonly RoundFacts[]): string[] {
  let d = ruleDecider(rule, bytesPerSecond(125_000));
  return rounds.map((r) => {
    const s = d.decide(r, seconds(1));
    d = s.next;
    return s.verdict.action;
  });
}

describe('ruleDecider', () => {
  it.each([
    [
      'p.haul stops once a round writes at most 64 pages',
      PHAUL_RULE,
      [16400, 60],
      ['another-round', 'switch-over'],
    ],
    [
      'p.haul stops when a round grows by more than 10 %',
      PHAUL_RULE,
      [16400, 300, 400],
      ['another-round', 'another-round', 'switch-over'],
    ],
    [
      'LXD goes on until 70 % of the pages are unchanged',
      LXD_RULE,
      [16400, 8000, 1000],
      ['another-round', 'another-round', 'switch-over'],
    ],
  ])('%s', (_name, rule, sent, expected) => {
    const total = 16400;
    expect(
      actions(
        rule,
        sent.map((s) => round(s, total - s)),
      ),
    ).toEqual(expected);
  });

  it('feeds the rule the real page counts, oldest first', () => {
    const seen: number[][] = [];
    const spy: StopRule = {
      name: 'spy',
      decide: (h) => {
        seen.push(h.map((x) => x.pagesWritten * 1000 + x.pagesSkipped));
        return { stop: false, reason: 'spy: go on' };
      },
    };
    actions(spy, [round(5, 1), round(3, 3)]);
    expect(seen).toEqual([[5001], [5001, 3003]]);
  });

  it('stops at the safety cap with a reason naming the rule', () => {
    const never: StopRule = { name: 'never', decide: () => ({ stop: false, reason: 'never: go on' }) };
    let d = ruleDecider(never, bytesPerSecond(1e6), 3);
    const verdicts = [1, 2, 3].map(() => {
      const s = d.decide(round(10, 0), seconds(1));
      d = s.next;
      return s.verdict;
    });
    expect(verdicts.map((v) => v.action)).toEqual(['another-round', 'another-round', 'switch-over']);
    expect(verdicts[2]!.reason).toBe('never: safety cap of 3 rounds');
    expect(FIXED_RULE_ROUND_CAP).toBeGreaterThanOrEqual(10);
  });

  it('starts from the given bandwidth, then follows the measured rate of the last round', () => {
    const d = ruleDecider(PHAUL_RULE, bytesPerSecond(125_000));
    expect(d.bandwidth).toBe(125_000);
    const next = d.decide(round(2560, 0, 0.5), seconds(1)).next;
    expect(next.bandwidth).toBeCloseTo((2560 * 4096) / 0.5);
    // a round that sent nothing carries no rate: keep the previous one
    expect(next.decide(round(0, 2560, 0), seconds(2)).next.bandwidth).toBeCloseTo((2560 * 4096) / 0.5);
  });

  it('never says anything but another-round or switch-over (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(100_000), fc.nat(100_000), fc.double({ min: 0, max: 10, noNaN: true })), {
          minLength: 1,
          maxLength: 20,
        }),
        (rs) => {
          const acts = actions(
            LXD_RULE,
            rs.map(([s, u, t]) => round(s, u, t)),
          );
          const stop = acts.indexOf('switch-over');
          return (
            acts.every((a) => a === 'another-round' || a === 'switch-over') && (stop === -1 || stop < 10)
          );
        },
      ),
    );
  });
});

describe('controllerDecider', () => {
  const inputs: ModelInputs = {
    link: { rtt: seconds(0.05), bandwidth: bytesPerSecond(12.5e6) },
    container: {
      memory: mib(256),
      dirtyRate: bytesPerSecond(2 * 1048576),
      rootfsDiff: bytes(0),
      processes: 1,
    },
    policy: { extraDowntimeAcceptable: true },
  };

  it('gives the online controller verdicts and carries its state from round to round', () => {
    const rounds = [round(65536, 0, 21.5), round(11000, 54536, 3.6), round(2000, 63536, 0.7)];
    let d = controllerDecider(startController(inputs));
    let state = startController(inputs);
    rounds.forEach((r, k) => {
      const elapsed = seconds(22 + 4 * k);
      const direct = controllerStep(
        state,
        { sent: r.sent, transferTime: r.transferTime, duration: r.duration },
        elapsed,
      );
      const step = d.decide(r, elapsed);
      expect(step.verdict).toEqual({
        action: direct.decision.action,
        reason: direct.decision.reason,
        predictedDowntime: direct.decision.predictedDowntime,
      });
      expect(step.next.bandwidth).toBe(direct.state.bandwidth);
      d = step.next;
      state = direct.state;
    });
    expect(d.bandwidth).not.toBe(12.5e6);
  });
});
