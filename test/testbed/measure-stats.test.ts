import {
  median,
  probeBytes,
  probeRounds,
  probeTimeoutSeconds,
  relativeError,
  rttWithinTolerance,
  withinTolerance,
} from '../../testbed/measure-stats';
import { gbit, mbit, millis } from '../../provider/units';

describe('measure stats', () => {
  it.each([
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
    [[7], 7],
  ])('median of %j is %p', (xs, m) => expect(median(xs)).toBe(m));
  it('median of nothing is NaN', () => expect(median([])).toBeNaN());

  it.each([
    [110, 100, 0.1, true],
    [79, 100, 0.2, false],
    [0, 0, 0.2, true],
  ])('%p vs %p within %p: %p', (m, s, tol, ok) => expect(withinTolerance(m, s, tol)).toBe(ok));
  it('relative error against zero is infinite', () => expect(relativeError(1, 0)).toBe(Infinity));

  it.each([
    [millis(51), millis(50), true],
    [millis(61), millis(50), false],
    [millis(1.5), millis(0), true],
    [millis(3), millis(0), false],
  ])('rtt %p s vs set %p s ok: %p', (m, s, ok) => expect(rttWithinTolerance(m, s, 0.2)).toBe(ok));

  it.each([
    [mbit(100), 25e6],
    [gbit(1), 250e6],
    [gbit(10), 256 * 1024 * 1024],
    [mbit(1), 2 * 1024 * 1024],
  ])('probe bytes at %p B/s: %p', (bw, bytes) => expect(probeBytes(bw)).toBe(bytes));

  it.each([
    [millis(50), 30],
    [millis(100), 15],
    [millis(500), 5],
    [millis(0), 30],
  ])('probe rounds at rtt %p s: %p', (rtt, n) => expect(probeRounds(rtt)).toBe(n));

  it('gives the probe ample time', () => {
    expect(probeTimeoutSeconds(mbit(100), millis(50))).toBeGreaterThan(30 + 4 * 4);
  });
});
