import fc from 'fast-check';
import { InvalidInput } from '../../provider/errors';
import {
  bytes,
  formatBandwidth,
  formatBytes,
  formatDuration,
  gbit,
  inMbit,
  inMillis,
  mbit,
  mib,
  millis,
  parseBandwidth,
  parseBytes,
  parseDuration,
  seconds,
  transferTime,
  volumeOver,
} from '../../provider/units';

describe('parseBytes', () => {
  it.each([
    ['4096', 4096],
    ['64KiB', 64 * 1024],
    ['256 MiB', 256 * 1024 ** 2],
    ['1.5GB', 1.5e9],
    ['2gib', 2 * 1024 ** 3],
    ['10kb', 10_000],
  ])('%s -> %d bytes', (text, expected) => {
    expect(parseBytes(text)).toBe(expected);
  });

  it.each(['', 'abc', '-5MiB', '12 parsecs', 'MiB'])('rejects %j naming the field', (text) => {
    expect(() => parseBytes(text, 'container.memory')).toThrow(InvalidInput);
    expect(() => parseBytes(text, 'container.memory')).toThrow(/container\.memory/);
  });
});

describe('parseDuration', () => {
  it.each([
    ['50ms', 0.05],
    ['1.5s', 1.5],
    ['2m', 120],
    ['250us', 0.00025],
    ['1h', 3600],
  ])('%s -> %d s', (text, expected) => {
    expect(parseDuration(text)).toBeCloseTo(expected, 9);
  });

  it('requires a unit, so milliseconds cannot pass for seconds', () => {
    expect(() => parseDuration('50', 'link.rtt')).toThrow(/link\.rtt.*"50".*unit/);
  });
});

describe('parseBandwidth', () => {
  it.each([
    ['100mbit', 12.5e6],
    ['1gbit', 125e6],
    ['12MB/s', 12e6],
    ['64MiB/s', 64 * 1024 ** 2],
  ])('%s -> %d bytes/s', (text, expected) => {
    expect(parseBandwidth(text)).toBeCloseTo(expected, 3);
  });

  it.each(['0mbit', 'fast', '100', '-1gbit'])('rejects %j', (text) => {
    expect(() => parseBandwidth(text, 'link.bandwidth')).toThrow(/link\.bandwidth/);
  });
});

describe('constructors reject impossible values', () => {
  it.each([NaN, -1, Infinity])('bytes(%d)', (n) => expect(() => bytes(n, 'x.size')).toThrow(/x\.size/));
  it.each([NaN, -0.5, Infinity])('seconds(%d)', (n) => expect(() => seconds(n, 'x.t')).toThrow(/x\.t/));
  it('transferTime refuses a zero bandwidth', () => {
    expect(() => transferTime(mib(1), mbit(0))).toThrow(InvalidInput);
  });
});

describe('formatting', () => {
  it.each([
    [bytes(512), '512 B'],
    [bytes(2048), '2.0 KiB'],
    [mib(256), '256.0 MiB'],
    [mib(3 * 1024), '3.00 GiB'],
  ])('formatBytes(%d) = %s', (b, text) => expect(formatBytes(b)).toBe(text));

  it.each([
    [millis(5), '5.00 ms'],
    [millis(850), '850 ms'],
    [seconds(3.2), '3.20 s'],
    [seconds(125), '2 min 5 s'],
  ])('formatDuration(%d) = %s', (d, text) => expect(formatDuration(d)).toBe(text));

  it('formatBandwidth shows Mbit/s', () => expect(formatBandwidth(gbit(1))).toBe('1000.0 Mbit/s'));
});

describe('arithmetic round trips', () => {
  it('transferTime and volumeOver are inverse', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e12, noNaN: true }),
        fc.double({ min: 1, max: 1e10, noNaN: true }),
        (n, r) => {
          const rate = mbit(inMbit(mbit(r)));
          const back = volumeOver(rate, transferTime(bytes(n), rate));
          expect(Math.abs(back - n)).toBeLessThanOrEqual(1e-6 * Math.max(1, n));
        },
      ),
    );
  });

  it('millis and inMillis are inverse', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e9, noNaN: true }), (ms) => {
        expect(inMillis(millis(ms))).toBeCloseTo(ms, 6);
      }),
    );
  });
});
