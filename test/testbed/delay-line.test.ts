import { DelayLine, highWaterBytes } from '../../testbed/relay/delay-line';

const buf = (s: string): Buffer => Buffer.from(s);

describe('DelayLine', () => {
  it.each([
    [25, 0, 25],
    [0, 100, 100],
    [10.5, 3, 13.5],
  ])('delay %p ms, pushed at %p -> due at %p', (delay, at, due) => {
    const l = new DelayLine(delay);
    l.push(buf('x'), at);
    expect(l.nextReleaseAt()).toBe(due);
    expect(l.peekDue(due - 0.01)).toBeUndefined();
    expect(l.peekDue(due)?.data?.toString()).toBe('x');
  });

  it('releases in order and counts bytes', () => {
    const l = new DelayLine(10);
    l.push(buf('ab'), 0);
    l.push(buf('cde'), 1);
    l.push(null, 2);
    expect(l.queuedBytes).toBe(5);
    expect(l.length).toBe(3);
    expect(l.shift()?.data?.toString()).toBe('ab');
    expect(l.queuedBytes).toBe(3);
    expect(l.shift()?.data?.toString()).toBe('cde');
    expect(l.shift()?.data).toBeNull();
    expect(l.shift()).toBeUndefined();
    expect(l.queuedBytes).toBe(0);
  });

  it('never reorders when the delay drops', () => {
    const l = new DelayLine(100);
    l.push(buf('old'), 0);
    l.setDelay(10);
    l.push(buf('new'), 5);
    expect(l.nextReleaseAt()).toBe(100);
    l.shift();
    expect(l.nextReleaseAt()).toBe(100);
  });

  it('honours slack', () => {
    const l = new DelayLine(10);
    l.push(buf('x'), 0);
    expect(l.peekDue(9.6, 0.5)).toBeDefined();
    expect(l.peekDue(9.4, 0.5)).toBeUndefined();
  });

  it('stays correct across compaction', () => {
    const l = new DelayLine(1);
    for (let i = 0; i < 5000; i++) l.push(buf(String(i)), i);
    for (let i = 0; i < 4000; i++) expect(l.shift()?.data?.toString()).toBe(String(i));
    expect(l.length).toBe(1000);
    expect(l.nextReleaseAt()).toBe(4001);
    l.clear();
    expect(l.length).toBe(0);
    expect(l.queuedBytes).toBe(0);
  });

  it.each([-1, NaN, Infinity])('rejects delay %p', (d) => expect(() => new DelayLine(d)).toThrow(RangeError));
});

describe('highWaterBytes', () => {
  it.each([
    [12.5e6, 25, 4 * 1024 * 1024],
    [125e6, 25, Math.ceil(3 * 125e6 * 0.025)],
    [5e9, 5000, 256 * 1024 * 1024],
    [1e6, 0, 4 * 1024 * 1024],
  ])('rate %p B/s, delay %p ms -> %p bytes', (rate, delay, hw) =>
    expect(highWaterBytes(rate, delay)).toBe(hw),
  );
});
