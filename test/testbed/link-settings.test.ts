import { InvalidInput } from '../../provider/errors';
import { mbit, millis } from '../../provider/units';
import {
  formatLinkSettings,
  oneWayDelayMs,
  parseLinkSettings,
  validateBandwidth,
  validateRtt,
} from '../../testbed/link-settings';

describe('parseLinkSettings', () => {
  it.each([
    [{ rtt: '50ms', bandwidth: '100mbit' }, 0.05, 12.5e6],
    [{ rtt: '0ms' }, 0, undefined],
    [{ bandwidth: '1gbit' }, undefined, 125e6],
    [{ rtt: '1.5s', bandwidth: '12MB/s' }, 1.5, 12e6],
    [{}, undefined, undefined],
  ])('%j -> rtt %p s, bandwidth %p B/s', (text, rtt, bw) => {
    const s = parseLinkSettings(text);
    expect(s.rtt).toBe(rtt);
    expect(s.bandwidth).toBe(bw);
  });

  it.each([
    { rtt: '50' },
    { rtt: '11s' },
    { bandwidth: 'fast' },
    { bandwidth: '10kbit' },
    { bandwidth: '50gbit' },
  ])('rejects %j', (text) => expect(() => parseLinkSettings(text)).toThrow(InvalidInput));
});

describe('validation and helpers', () => {
  it.each([
    [millis(0), true],
    [millis(10_000), true],
    [millis(10_001), false],
  ])('rtt %p s valid: %p', (rtt, ok) => {
    if (ok) expect(validateRtt(rtt)).toBe(rtt);
    else expect(() => validateRtt(rtt)).toThrow(InvalidInput);
  });

  it('checks bandwidth bounds', () => {
    expect(validateBandwidth(mbit(100))).toBe(mbit(100));
    expect(() => validateBandwidth(mbit(0.01))).toThrow(InvalidInput);
  });

  it.each([
    [millis(50), 25],
    [millis(0), 0],
    [millis(20), 10],
  ])('rtt %p s -> %p ms each way', (rtt, ms) => expect(oneWayDelayMs(rtt)).toBeCloseTo(ms));

  it('formats', () =>
    expect(formatLinkSettings({ rtt: millis(50), bandwidth: mbit(100) })).toBe('50 ms / 100.0 Mbit/s'));
});
