/**
 * The campaign's seeded pseudo-random numbers (pure): mulberry32, a 32-bit generator that is small, fast and
 * good enough to draw trial plans, and the seed of each trial derived from the campaign seed and the trial's
 * number, so that one trial can be re-run alone (`--only-trial K`) with exactly the plan it had.
 */

/** A stream of uniform numbers in [0, 1) and the draws built on it. Same seed, same sequence. */
export interface Rng {
  /** The next uniform number in [0, 1). */
  next(): number;
  /** A whole number in [lo, hi] (both included). */
  int(lo: number, hi: number): number;
  /** A number in [lo, hi). */
  float(lo: number, hi: number): number;
  /** One element of `items` (which must not be empty). */
  pick<T>(items: readonly T[]): T;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** A shuffled copy of `items` (Fisher-Yates). */
  shuffle<T>(items: readonly T[]): T[];
}

/** The raw mulberry32 generator: a function returning the next number in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit avalanche mix (the murmur3 finaliser): nearby inputs give unrelated outputs. */
export function mix32(x: number): number {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** The seed of trial `k` (1-based) of a campaign seeded with `seed`; independent of the other trials. */
export function trialSeed(seed: number, k: number): number {
  return mix32((seed >>> 0) ^ mix32(Math.imul(k, 0x9e3779b9) >>> 0));
}

/** An {@link Rng} seeded with `seed` (a 32-bit unsigned integer; other numbers are truncated to one). */
export function makeRng(seed: number): Rng {
  const next = mulberry32(seed);
  const rng: Rng = {
    next,
    int(lo, hi) {
      if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi < lo)
        throw new RangeError(`int(${lo}, ${hi}): need whole numbers with lo <= hi`);
      return lo + Math.floor(next() * (hi - lo + 1));
    },
    float(lo, hi) {
      return lo + next() * (hi - lo);
    },
    pick(items) {
      if (items.length === 0) throw new RangeError('pick from an empty list');
      return items[Math.floor(next() * items.length)]!;
    },
    chance(p) {
      return next() < p;
    },
    shuffle(items) {
      const out = [...items];
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [out[i], out[j]] = [out[j]!, out[i]!];
      }
      return out;
    },
  };
  return rng;
}
