import fc from 'fast-check';
import { noAcknowledgedWriteLost, summarizeIncrs, type IncrAttempt } from '../../testbed/clients/incr-log';
import { encodeCommand, parseReply } from '../../testbed/clients/resp';

const ok = (t: number, value: number): IncrAttempt => ({ sentMs: t - 1, endedMs: t, result: { value } });
const err = (t: number, error: string): IncrAttempt => ({ sentMs: t - 1, endedMs: t, result: { error } });

describe('summarizeIncrs', () => {
  it('finds the longest gap between acknowledged replies, the errors and the last value', () => {
    const s = summarizeIncrs([
      ok(10, 1),
      ok(20, 2),
      err(30, 'ECONNRESET'),
      err(900, 'ECONNREFUSED'),
      ok(950, 3),
      ok(960, 4),
    ]);
    expect(s).toMatchObject({
      attempts: 6,
      acknowledged: 4,
      errors: 2,
      longestGapMs: 930,
      longestGapAtMs: 20,
      lastAcknowledged: 4,
    });
    expect(s.errorKinds).toEqual({ ECONNRESET: 1, ECONNREFUSED: 1 });
    expect(noAcknowledgedWriteLost(s, 4)).toBe(true);
    expect(noAcknowledgedWriteLost(s, 5)).toBe(true); // an unacknowledged INCR that the server applied
    expect(noAcknowledgedWriteLost(s, 3)).toBe(false);
  });

  it('sees a counter that went back (acknowledged writes lost, e.g. a restore from an older state)', () => {
    const s = summarizeIncrs([ok(1, 10), ok(2, 11), ok(3, 9), ok(4, 10)]);
    expect(s.wentBack).toEqual([
      { after: 11, value: 9 },
      { after: 11, value: 10 },
    ]);
    expect(noAcknowledgedWriteLost(s, 20)).toBe(false);
  });

  it('property: the longest gap is at least every gap between consecutive acknowledged replies', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 500 }), fc.boolean()), { maxLength: 50 }),
        (steps) => {
          let t = 0;
          let v = 0;
          const log = steps.map(([dt, good]) => {
            t += dt;
            return good ? ok(t, ++v) : err(t, 'x');
          });
          const s = summarizeIncrs(log);
          const oks = log.filter((a) => 'value' in a.result).map((a) => a.endedMs);
          for (let i = 1; i < oks.length; i++)
            expect(s.longestGapMs).toBeGreaterThanOrEqual(oks[i]! - oks[i - 1]!);
          expect(s.acknowledged + s.errors).toBe(log.length);
          expect(noAcknowledgedWriteLost(s, v)).toBe(true);
        },
      ),
    );
  });
});

describe('RESP', () => {
  it('encodes commands and parses the replies Ferry reads', () => {
    expect(encodeCommand(['INCR', 'ctr']).toString()).toBe('*2\r\n$4\r\nINCR\r\n$3\r\nctr\r\n');
    expect(parseReply(Buffer.from(':42\r\n'))).toEqual({ reply: 42, rest: Buffer.alloc(0) });
    expect(parseReply(Buffer.from('$3\r\nabc\r\n+OK\r\n'))?.reply).toBe('abc');
    expect(parseReply(Buffer.from('$-1\r\n'))?.reply).toBeNull();
    expect(parseReply(Buffer.from('-ERR no\r\n'))?.reply).toEqual({ error: 'ERR no' });
    expect(parseReply(Buffer.from('$10\r\nabc'))).toBeUndefined();
    expect(parseReply(Buffer.from(':4'))).toBeUndefined();
  });
});
