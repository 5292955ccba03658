import { makeRng, mix32, mulberry32, trialSeed } from '../../../testbed/faults/prng';

const take = (next: () => number, n: number): number[] => Array.from({ length: n }, () => next());

describe('mulberry32', () => {
  it('gives the same sequence for the same seed', () => {
    expect(take(mulberry32(42), 50)).toEqual(take(mulberry32(42), 50));
  });

  it('gives another sequence for another seed', () => {
    expect(take(mulberry32(42), 5)).not.toEqual(take(mulberry32(43), 5));
  });

  it('stays in [0, 1)', () => {
    const xs = take(mulberry32(7), 10_000);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
  });

  it('is roughly uniform (mean near 1/2)', () => {
    const xs = take(mulberry32(123), 20_000);
    expect(xs.reduce((a, b) => a + b, 0) / xs.length).toBeCloseTo(0.5, 1);
  });

  it('takes any number as a 32-bit seed', () => {
    expect(take(mulberry32(2 ** 32 + 5), 3)).toEqual(take(mulberry32(5), 3));
  });
});

describe('makeRng', () => {
  it.each([
    [0, 0],
    [1, 6],
    [-3, 3],
    [10, 10],
  ])('int(%i, %i) stays within its bounds and reaches both ends', (lo, hi) => {
    const rng = makeRng(9);
    const xs = Array.from({ length: 2000 }, () => rng.int(lo, hi));
    expect(Math.min(...xs)).toBe(lo);
    expect(Math.max(...xs)).toBe(hi);
    expect(xs.every(Number.isInteger)).toBe(true);
  });

  it.each([
    [1.5, 1],
    [0.5, 2],
  ])('int(%s, %s) is refused', (lo, hi) => {
    expect(() => makeRng(1).int(lo, hi)).toThrow(RangeError);
  });

  it('shuffles into a permutation, the same one for the same seed', () => {
    const items = ['a', 'b', 'c', 'd', 'e', 'f'];
    const s = makeRng(5).shuffle(items);
    expect([...s].sort()).toEqual(items);
    expect(makeRng(5).shuffle(items)).toEqual(s);
    expect(items).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
  });

  it('refuses to pick from nothing', () => {
    expect(() => makeRng(1).pick([])).toThrow(RangeError);
  });
});

describe('trialSeed', () => {
  it('is a pure function of the campaign seed and the trial number', () => {
    expect(trialSeed(7, 3)).toBe(trialSeed(7, 3));
  });

  it('differs between trials and between campaigns', () => {
    const seeds = new Set([1, 2, 3, 4, 5, 6, 7, 8].flatMap((k) => [trialSeed(7, k), trialSeed(8, k)]));
    expect(seeds.size).toBe(16);
  });

  it('is a 32-bit unsigned integer', () => {
    for (const k of [1, 100, 99999]) {
      const s = trialSeed(0xffffffff, k);
      expect(Number.isInteger(s) && s >= 0 && s <= 0xffffffff).toBe(true);
    }
    expect(mix32(0)).toBe(0);
    expect(mix32(1)).not.toBe(mix32(2));
  });
});
