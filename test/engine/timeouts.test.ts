import { mbit, mib, millis, seconds } from '../../provider/units';
import {
  checkpointTimeout,
  DEFAULT_DEADLINE,
  overallDeadline,
  remaining,
  restoreTimeout,
  transferTimeout,
} from '../../provider/engine/timeouts';

describe('timeouts', () => {
  it.each([
    [mib(0), 30],
    [mib(256), 42.8],
    [mib(1024), 81.2],
  ])('checkpoint of %d bytes: %d s', (m, s) => expect(checkpointTimeout(m)).toBeCloseTo(s, 1));

  it.each([
    // 256 MiB at 100 Mbit/s takes 21.5 s: the limit is 30 + 4 x 21.5 + 20 x RTT
    [mib(256), mbit(100), millis(50), 30 + (4 * 268435456) / 12.5e6 + 1],
    [mib(1), mbit(1000), millis(1), 30 + (4 * 1048576) / 125e6 + 0.02],
    // a bandwidth estimate below 1 Mbit/s is raised to 1 Mbit/s
    [mib(1), mbit(0.01), seconds(0), 30 + (4 * 1048576) / 125000],
  ])('transfer of %d bytes', (v, b, rtt, expected) =>
    expect(transferTimeout(v, b, rtt)).toBeCloseTo(expected, 3),
  );

  it('gives the restore at least two minutes', () => expect(restoreTimeout(mib(256))).toBeCloseTo(132.8, 1));

  it.each([
    [seconds(60), null, 60],
    [undefined, seconds(100), 100 + 120 + 12.8],
    [undefined, null, DEFAULT_DEADLINE],
    [undefined, undefined, DEFAULT_DEADLINE],
  ])('deadline (request %s, budget %s) = %d', (req, budget, expected) =>
    expect(overallDeadline(req, budget, mib(256))).toBeCloseTo(expected, 1),
  );

  it.each([
    [seconds(100), seconds(40), 60],
    [seconds(100), seconds(120), 1],
  ])('remaining(%d, %d) = %d', (d, now, r) => expect(remaining(d, now)).toBe(r));
});
