/**
 * The latency-aware pre-copy recurrence and its closed forms.
 *
 * Round i sends the residual V_i and takes `T_i = V_i / B_eff + h` seconds (h = RTT + per-round overhead, see
 * {@link roundOverhead}); meanwhile `D * T_i` bytes change, capped by the working set W:
 *
 *     V_0 = M,    V_{i+1} = min(W, D * T_i) = min(W, r * V_i + a),    r = D / B_eff,  a = D * h.
 *
 * Uncapped, with r != 1 and the fixed point `c = a / (1 - r) = D * h / (1 - r)`:
 *
 *     V_n = r^n * (M - c) + c.
 *
 * For r < 1 the residual converges to the floor c: however many rounds run, V_n > c when M > c. Latency
 * (the RTT in h) sets this floor, not only the bandwidth. For r >= 1 it never shrinks below W.
 */
import { bytes, type Bytes } from '../units';
import { roundCost, roundOverhead, roundRate, type ModelParams } from './costs';

/** V_{i+1} = min(W, D * T_i): the residual after a round that sent `volume` bytes, in bytes. */
export const nextResidual = (p: ModelParams, volume: Bytes): Bytes =>
  bytes(Math.min(p.workingSet, p.dirtyRate * roundCost(p, volume).duration));

/** r = D / B_eff: the contraction ratio of the recurrence (dimensionless). Pre-copy converges only if r < 1. */
export const contractionRatio = (p: ModelParams): number => p.dirtyRate / roundRate(p);

/** a = D * h: bytes dirtied during the fixed part of a round, in bytes. */
const fixedDirty = (p: ModelParams): number => p.dirtyRate * roundOverhead(p);

/**
 * c = D * (RTT + overhead) / (1 - r): the uncapped floor of the residual in bytes, or `null` when r >= 1
 * (no finite floor: the residual does not converge).
 */
export function residualFloor(p: ModelParams): Bytes | null {
  const r = contractionRatio(p);
  return r < 1 ? bytes(fixedDirty(p) / (1 - r)) : null;
}

/** The least residual that pre-copy approaches with unbounded rounds: `min(W, c)`, or W when r >= 1; bytes. */
export function effectiveFloor(p: ModelParams): Bytes {
  const c = residualFloor(p);
  return c === null ? p.workingSet : bytes(Math.min(p.workingSet, c));
}

/**
 * V_n in closed form, bytes. Let `u_1 = r * M + a`.
 * - n = 0: M.
 * - u_1 < W (then necessarily r < 1 and M > c): the cap never binds, `V_n = r^n * (M - c) + c`.
 * - else the cap binds at round 1 and the sequence restarts from W: if `r * W + a >= W` (W <= c, or r >= 1)
 *   it stays at W; otherwise `V_n = r^(n-1) * (W - c) + c`.
 *
 * Agrees with iterating {@link nextResidual} up to rounding.
 */
export function residualAfterRounds(p: ModelParams, n: number): Bytes {
  if (n <= 0) return p.memory;
  const r = contractionRatio(p);
  const a = fixedDirty(p);
  const M = p.memory;
  const W = p.workingSet;
  if (r * M + a < W) {
    const c = a / (1 - r);
    return bytes(Math.max(0, r ** n * (M - c) + c));
  }
  if (r * W + a >= W) return W;
  const c = a / (1 - r);
  return bytes(Math.max(0, r ** (n - 1) * (W - c) + c));
}

/**
 * The smallest n with `V_n <= volume` (bytes), in closed form, or `null` when no n reaches it (volume at or
 * below the floor). From `V_n = r^n (M - c) + c`: `n = ceil(ln((volume - c) / (M - c)) / ln r)`, shifted by
 * one round when the cap W binds at round 1.
 */
export function roundsToReach(p: ModelParams, volume: Bytes): number | null {
  if (p.memory <= volume) return 0;
  const r = contractionRatio(p);
  const a = fixedDirty(p);
  const M = p.memory;
  const W = p.workingSet;
  const capped = r * M + a >= W;
  if (capped && W <= volume) return 1;
  const start = capped ? W : M;
  // stuck: the residual never drops below where it starts (r >= 1, or a start at or below the floor)
  if (r * start + a >= start) return null;
  const c = a / (1 - r);
  // r = 0 means D = 0: nothing is dirtied and V_1 = 0
  if (r === 0) return 1;
  // 0 < r < 1 and start > c: V_n > c for every n
  if (volume <= c) return null;
  let n = Math.max(1, Math.ceil(Math.log((volume - c) / (start - c)) / Math.log(r))) + (capped ? 1 : 0);
  // correct rounding of the logarithm by one step either way
  if (residualAfterRounds(p, n) > volume) n += 1;
  else if (n > 1 && residualAfterRounds(p, n - 1) <= volume) n -= 1;
  return n;
}
