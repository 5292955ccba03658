import {
  contractionRatio,
  deriveParams,
  effectiveFloor,
  nextResidual,
  residualAfterRounds,
  residualFloor,
  resolveInputs,
  roundOverhead,
  roundsToReach,
  type ModelParams,
} from '../../provider/model';
import { bytes, bytesPerSecond, seconds, type Bytes } from '../../provider/units';
import { FREE_COSTS } from './fixtures';

/** Textbook parameters: every cost zero, so h = RTT and B_eff = B (to 1e-7). */
function textbook(o: { M: number; B: number; D: number; rtt: number; W?: number }): ModelParams {
  return deriveParams(
    resolveInputs({
      container: {
        memory: bytes(o.M),
        dirtyRate: bytesPerSecond(o.D),
        rootfsDiff: bytes(0),
        processes: 1,
        ...(o.W === undefined ? {} : { workingSet: bytes(o.W) }),
      },
      link: { rtt: seconds(o.rtt), bandwidth: bytesPerSecond(o.B), costs: FREE_COSTS },
    }),
  );
}

function iterate(p: ModelParams, n: number): Bytes {
  let v = p.memory;
  for (let i = 0; i < n; i++) v = nextResidual(p, v);
  return v;
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(1, Math.abs(b));

describe('the recurrence V_{i+1} = min(W, D * (V_i / B + h))', () => {
  const p = textbook({ M: 1e9, B: 1e8, D: 5e7, rtt: 0.1 });

  it('has r = D / B and floor c = D * RTT / (1 - r)', () => {
    expect(contractionRatio(p)).toBeCloseTo(0.5, 6);
    expect(residualFloor(p)! / 1e7).toBeCloseTo(1, 6);
    expect(effectiveFloor(p) / 1e7).toBeCloseTo(1, 6);
  });

  it('follows V_n = r^n (M - c) + c', () => {
    for (const n of [0, 1, 2, 5, 10, 30]) {
      const want = 0.5 ** n * (1e9 - 1e7) + 1e7;
      expect(rel(residualAfterRounds(p, n), want)).toBeLessThan(1e-6);
      expect(rel(iterate(p, n), want)).toBeLessThan(1e-6);
    }
  });

  it.each([
    ['uncapped, converging', { M: 1e9, B: 1e8, D: 5e7, rtt: 0.1 }],
    ['zero dirty rate: V_1 = 0', { M: 1e9, B: 1e8, D: 0, rtt: 0.1 }],
    ['capped at round 1, then converging', { M: 1e9, B: 1e8, D: 5e7, rtt: 0.1, W: 1e8 }],
    ['capped and stuck: W below the floor', { M: 1e9, B: 1e8, D: 5e7, rtt: 0.1, W: 5e6 }],
    ['D >= B: stuck at M', { M: 1e9, B: 1e8, D: 2e8, rtt: 0.1 }],
    ['D >= B with a working set: stuck at W', { M: 1e9, B: 1e8, D: 2e8, rtt: 0.1, W: 1e8 }],
    ['huge RTT: the cap binds at once', { M: 1e8, B: 1e8, D: 1e6, rtt: 59 }],
  ])('closed form equals iteration: %s', (_name, o) => {
    const q = textbook(o);
    for (let n = 0; n <= 40; n++) expect(rel(residualAfterRounds(q, n), iterate(q, n))).toBeLessThan(1e-9);
  });

  it('has no finite floor when D >= B', () => {
    const q = textbook({ M: 1e9, B: 1e8, D: 1e8, rtt: 0.1, W: 3e8 });
    expect(contractionRatio(q)).toBeGreaterThanOrEqual(1 - 1e-6);
    const stuck = textbook({ M: 1e9, B: 1e8, D: 2e8, rtt: 0.1, W: 3e8 });
    expect(residualFloor(stuck)).toBeNull();
    expect(effectiveFloor(stuck)).toBe(3e8);
  });

  it('caps the floor by the working set', () => {
    expect(effectiveFloor(textbook({ M: 1e9, B: 1e8, D: 5e7, rtt: 0.1, W: 5e6 }))).toBe(5e6);
  });
});

describe('roundsToReach', () => {
  const p = textbook({ M: 1e9, B: 1e8, D: 5e7, rtt: 0.1 });

  it.each([
    ['memory already small enough', p, 2e9, 0],
    ['at or below the floor: never', p, 1e7, null],
    ['just above the floor', p, 1.1e7, Math.ceil(Math.log(1e6 / 9.9e8) / Math.log(0.5))],
    ['D = 0 gets there in one round', textbook({ M: 1e9, B: 1e8, D: 0, rtt: 0.1 }), 0, 1],
    ['capped: W small enough', textbook({ M: 1e9, B: 1e8, D: 5e7, rtt: 0.1, W: 1e8 }), 1e8, 1],
    [
      'capped, then converging',
      textbook({ M: 1e9, B: 1e8, D: 5e7, rtt: 0.1, W: 1e8 }),
      2e7,
      1 + Math.ceil(Math.log(1e7 / 9e7) / Math.log(0.5)),
    ],
    ['D >= B: never', textbook({ M: 1e9, B: 1e8, D: 2e8, rtt: 0.1 }), 1e8, null],
    ['capped and stuck: never', textbook({ M: 1e9, B: 1e8, D: 5e7, rtt: 0.1, W: 5e6 }), 1e6, null],
  ])('%s', (_name, q, volume, want) => {
    expect(roundsToReach(q, bytes(volume))).toBe(want);
  });

  it.each([
    // found by search: the logarithm rounds down, the closed form needs one more round
    ['rounding down', { M: 536870912, B: 20e6, D: 10e6, rtt: 0.01 }, () => 4392742.090952591, 8],
    // the logarithm rounds up, one round fewer suffices
    [
      'rounding up',
      { M: 262144, B: 12e6, D: 4.8e6, rtt: 0 },
      (q: ModelParams) => residualAfterRounds(q, 2),
      2,
    ],
  ])('corrects the %s of the logarithm', (_name, o, volume, want) => {
    const q = textbook(o);
    const v = bytes(volume(q));
    const n = roundsToReach(q, v)!;
    expect(n).toBe(want);
    expect(residualAfterRounds(q, n)).toBeLessThanOrEqual(v);
    expect(residualAfterRounds(q, n - 1)).toBeGreaterThan(v);
  });

  it('is the smallest n with V_n <= volume on a sweep', () => {
    for (const o of [
      { M: 1e9, B: 1e8, D: 5e7, rtt: 0.1 },
      { M: 1e9, B: 1e8, D: 9e7, rtt: 0.01, W: 4e8 },
    ]) {
      const q = textbook(o);
      for (let n = 1; n < 25; n++) {
        const v = bytes(residualAfterRounds(q, n) * 1.0001);
        const k = roundsToReach(q, v)!;
        expect(residualAfterRounds(q, k)).toBeLessThanOrEqual(v);
        expect(residualAfterRounds(q, k - 1)).toBeGreaterThan(v);
      }
    }
  });

  it('uses h = RTT when every cost is zero', () => {
    expect(roundOverhead(p)).toBeCloseTo(0.1, 9);
  });
});
