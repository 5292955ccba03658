import { dirtySampleRate, ewma, ewmaRate, transferRate } from '../../provider/model';
import { bytes, bytesPerSecond, seconds } from '../../provider/units';

describe('ewma', () => {
  it.each([
    [undefined, 10, 0.5, 10],
    [0, 10, 0.5, 5],
    [100, 0, 0.25, 75],
    [100, 50, 1, 50],
  ])('ewma(%p, %p, %p) = %p', (prev, sample, w, want) => {
    expect(ewma(prev, sample, w)).toBeCloseTo(want, 12);
  });

  it('folds samples oldest first, seeded or not', () => {
    const r = (n: number) => bytesPerSecond(n);
    expect(ewmaRate(r(100), [r(200), r(400)], 0.5)).toBeCloseTo(275, 12);
    expect(ewmaRate(undefined, [r(200), r(400)], 0.5)).toBeCloseTo(300, 12);
    expect(ewmaRate(r(7), [], 0.5)).toBe(7);
    expect(ewmaRate(undefined, [], 0.5)).toBeUndefined();
  });

  it('turns samples into rates', () => {
    expect(transferRate({ bytes: bytes(1000), duration: seconds(4) })).toBe(250);
    expect(dirtySampleRate({ volume: bytes(300), interval: seconds(0.5) })).toBe(600);
  });
});
