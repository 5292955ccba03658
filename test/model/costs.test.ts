import {
  copyThreshold,
  deltaTime,
  freezeTime,
  lazyPull,
  restoreTime,
  roundCost,
  roundOverhead,
  roundRate,
  sendTime,
  switchover,
  withRates,
} from '../../provider/model';
import { bytes, bytesPerSecond, mbit, mib, millis, seconds } from '../../provider/units';
import { FREE_COSTS, params } from './fixtures';

const M = mib(256);
const GIB_S = 1024 ** 3;

describe('cost terms (this machine: no dirty tracking)', () => {
  const p = params();

  it('freeze = freezeBase + P * freezePerProcess + dumped / dumpRate', () => {
    expect(freezeTime(p, M)).toBeCloseTo(0.02 + 3 * 0.002 + 0.25, 12);
    expect(freezeTime(p, bytes(0))).toBeCloseTo(0.026, 12);
  });

  it('delta = M / deltaRate without tracking, 0 with it', () => {
    expect(deltaTime(p)).toBeCloseTo(0.25, 12);
    expect(deltaTime(params({ link: { costs: { dirtyTracking: true } } }))).toBe(0);
  });

  it('restore = restoreBase + P * restorePerProcess + size / restoreRate', () => {
    expect(restoreTime(p, M)).toBeCloseTo(0.25 + 0.006 + 0.25, 12);
  });

  it('send = size / B', () => {
    expect(sendTime(p, bytes(12_500_000))).toBeCloseTo(1, 12);
  });

  it('a round without tracking freezes for the full image whatever it sends', () => {
    const small = roundCost(p, mib(1));
    expect(small.pause).toBeCloseTo(freezeTime(p, M), 12);
    expect(small.delta).toBeCloseTo(0.25, 12);
    expect(small.duration).toBeCloseTo(small.pause + small.delta + small.transfer + 0.05, 12);
  });

  it('a round with tracking freezes only for what it dumps', () => {
    const t = params({ link: { costs: { dirtyTracking: true } } });
    expect(roundCost(t, mib(1)).pause).toBeCloseTo(0.026 + 1 / 1024, 12);
    expect(roundCost(t, mib(1)).delta).toBe(0);
  });

  it.each([false, true])('T(V) = V / B_eff + h (dirtyTracking %p)', (dirtyTracking) => {
    const q = params({ link: { costs: { dirtyTracking } } });
    for (const v of [0, mib(1), mib(100), M]) {
      expect(roundCost(q, bytes(v)).duration).toBeCloseTo(v / roundRate(q) + roundOverhead(q), 9);
    }
    expect(roundRate(q)).toBeCloseTo(dirtyTracking ? 1 / (1 / 12.5e6 + 1 / GIB_S) : 12.5e6, 3);
  });
});

describe('switchover', () => {
  const untracked = params();
  const tracked = params({ link: { costs: { dirtyTracking: true } } });
  const residualScope = params({ link: { costs: { restoreScope: 'residual' } } });
  const V = mib(4);

  it.each([
    ['stop-and-copy', untracked, 'copy', M, 0, { residual: M, restored: M, freeze: 0.276, delta: 0 }],
    [
      'pre-copy, no tracking',
      untracked,
      'copy',
      V,
      2,
      { residual: V, restored: M, freeze: 0.276, delta: 0.25 },
    ],
    [
      'pre-copy, tracking',
      tracked,
      'copy',
      V,
      2,
      { residual: V, restored: M, freeze: 0.026 + 4 / 1024, delta: 0 },
    ],
    [
      'pre-copy, residual restore',
      residualScope,
      'copy',
      V,
      2,
      { residual: V, restored: V, freeze: 0.276, delta: 0.25 },
    ],
    ['post-copy', untracked, 'lazy', M, 0, { residual: 0, restored: 0, freeze: 0.026, delta: 0 }],
    [
      'hybrid, no tracking',
      untracked,
      'lazy',
      V,
      2,
      { residual: 0, restored: 0, freeze: 0.276, delta: 0.25 },
    ],
    ['hybrid, tracking', tracked, 'lazy', V, 2, { residual: 0, restored: 0, freeze: 0.026, delta: 0 }],
  ] as const)('%s', (_name, p, mode, residual, rounds, want) => {
    const s = switchover(p, mode, residual, rounds);
    expect(s.mode).toBe(mode);
    expect(s.residual).toBe(want.residual);
    expect(s.restored).toBe(want.restored);
    expect(s.freeze).toBeCloseTo(want.freeze, 9);
    expect(s.delta).toBeCloseTo(want.delta, 9);
    expect(s.memoryTransfer).toBeCloseTo(want.residual / 12.5e6, 9);
    expect(s.rootfsTransfer).toBeCloseTo(mib(8) / 12.5e6, 9);
    expect(s.rtt).toBeCloseTo(0.05, 12);
    expect(s.restore).toBeCloseTo(0.256 + want.restored / GIB_S, 9);
    expect(s.downtime).toBeCloseTo(
      s.freeze + s.delta + s.memoryTransfer + s.rootfsTransfer + s.rtt + s.restore,
      12,
    );
  });
});

describe('lazyPull', () => {
  it('streams M and counts no fault when nothing is written', () => {
    const p = params({ container: { dirtyRate: bytesPerSecond(0) } });
    const pull = lazyPull(p, M);
    expect(pull.stream).toBeCloseTo(M / 12.5e6, 9);
    expect(pull.faults).toBe(0);
    expect(pull.degraded).toBe(pull.stream);
  });

  it('counts half of what is touched during the stream as faults, each one RTT', () => {
    const p = params();
    const pull = lazyPull(p, M);
    expect(pull.faults).toBe(Math.ceil((mib(2) * pull.stream) / 2 / 4096));
    expect(pull.faultWait).toBeCloseTo(pull.faults * 0.05, 9);
    expect(pull.degraded).toBeCloseTo(pull.stream + pull.faultWait, 9);
  });

  it('never faults more than the working set or the remote bytes', () => {
    const p = params({ container: { dirtyRate: bytesPerSecond(mib(500)), workingSet: mib(8) } });
    expect(lazyPull(p, M).faults).toBe(mib(8) / 4096);
    expect(lazyPull(p, mib(1)).faults).toBe(mib(1) / 4096);
  });

  it('lasts at least as long as installing all of M at the restore rate', () => {
    const p = params({ link: { bandwidth: mbit(100), costs: { restoreRate: bytesPerSecond(mib(1)) } } });
    expect(lazyPull(p, mib(1)).stream).toBeCloseTo(256, 9);
  });
});

describe('copyThreshold (latency-aware threshold_size)', () => {
  it.each([
    [false, 'full-image'],
    [true, 'full-image'],
    [false, 'residual'],
    [true, 'residual'],
  ] as const)(
    'the threshold residual has exactly the target downtime (tracking %p, %s)',
    (dirtyTracking, restoreScope) => {
      const p = params({ link: { costs: { dirtyTracking, restoreScope } } });
      const target = seconds(5);
      const v = copyThreshold(p, target);
      expect(v).toBeGreaterThan(0);
      expect(switchover(p, 'copy', v, 1).downtime).toBeCloseTo(5, 9);
    },
  );

  it('is B x target when every fixed cost is zero (QEMU threshold_size)', () => {
    const p = params({
      container: { rootfsDiff: bytes(0) },
      link: { rtt: seconds(0), costs: { ...FREE_COSTS, dirtyTracking: false } },
    });
    expect(copyThreshold(p, millis(300)) / (12.5e6 * 0.3)).toBeCloseTo(1, 5);
  });

  it('is zero when the fixed costs alone exceed the target', () => {
    expect(copyThreshold(params(), millis(300))).toBe(0);
  });
});

it('withRates replaces B and D only', () => {
  const p = params();
  const q = withRates(p, bytesPerSecond(1e6), bytesPerSecond(5));
  expect([q.bandwidth, q.dirtyRate, q.memory, q.rtt]).toEqual([1e6, 5, p.memory, p.rtt]);
});
