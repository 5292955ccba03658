import fc from 'fast-check';
import {
  median,
  nextProbeSize,
  PROBE_MAX,
  PROBE_START,
  probeSample,
  type ProbeSend,
} from '../../../provider/engine/measure/measure';
import { InvalidInput } from '../../../provider/errors';
import { bytes, mib, seconds } from '../../../provider/units';

const send = (m: number, net: number): ProbeSend => ({ bytes: mib(m), net: seconds(net) });

/** The sizes the probe sends on a link of `rate` bytes/s with no overhead. */
function sizesOn(rate: number): number[] {
  const sends: ProbeSend[] = [];
  for (let s = nextProbeSize(sends); s !== undefined; s = nextProbeSize(sends))
    sends.push({ bytes: s, net: seconds(s / rate) });
  return sends.map((x) => x.bytes / 1048576);
}

describe('nextProbeSize', () => {
  it.each([
    ['10 Mbit/s: one 2 MiB send is long enough', 1.25e6, [2]],
    ['100 Mbit/s', 12.5e6, [2, 4]],
    ['1 Gbit/s', 125e6, [2, 4, 8, 16, 32]],
    ['10 Gbit/s: capped at 32 MiB', 1.25e9, [2, 4, 8, 16, 32]],
  ])('%s', (_name, rate, sizes) => {
    expect(sizesOn(rate)).toEqual(sizes);
  });

  it('starts at PROBE_START, never exceeds PROBE_MAX and always ends (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e3, max: 1e11, noNaN: true }), (rate) => {
        const sizes = sizesOn(rate);
        return (
          sizes[0] === PROBE_START / 1048576 &&
          sizes.every((s) => s <= PROBE_MAX / 1048576) &&
          sizes.reduce((a, b) => a + b, 0) <= 62
        );
      }),
    );
  });
});

describe('probeSample', () => {
  it.each([
    ['the fastest timed send counts', [send(2, 0.2), send(4, 0.3)], { mib: 4, s: 0.3 }],
    ['a stalled send does not set the rate', [send(2, 0.17), send(4, 1.5)], { mib: 2, s: 0.17 }],
    ['too short to time: the longest send', [send(2, 0.01), send(4, 0.03)], { mib: 4, s: 0.03 }],
  ])('%s', (_name, sends, expected) => {
    expect(probeSample(sends)).toEqual({ bytes: mib(expected.mib), duration: seconds(expected.s) });
  });

  it('never divides by zero', () => {
    expect(probeSample([{ bytes: bytes(10), net: seconds(0) }]).duration).toBe(0.001);
  });

  it('needs at least one send', () => {
    expect(() => probeSample([])).toThrow(InvalidInput);
  });
});

describe('median', () => {
  it.each([
    [[3], 3],
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
  ])('median(%j) = %d', (xs, m) => {
    expect(median(xs)).toBe(m);
  });
});
