import { precopyRounds, predictStrategy, STRATEGIES, type StrategyPrediction } from '../../provider/model';
import { mib } from '../../provider/units';
import { params } from './fixtures';

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

function checkSums(s: StrategyPrediction) {
  expect(s.totalTime).toBe(sum(s.phases.map((ph) => ph.duration)));
  expect(s.bytesOnWire).toBe(sum(s.phases.map((ph) => ph.bytes)));
  expect(s.totalTime).toBeCloseTo(sum(s.rounds.map((r) => r.duration)) + s.downtime + s.degradedTime, 9);
  expect(s.roundPauses).toBeCloseTo(sum(s.rounds.map((r) => r.pause)), 12);
}

describe('predictStrategy', () => {
  const p = params({ container: { rootfsDiff: mib(1) } });

  it('stop-and-copy sends M while frozen and ignores rounds', () => {
    const s = predictStrategy(p, 'stop-and-copy', 5);
    expect(s.rounds).toHaveLength(0);
    expect(s.switchover.residual).toBe(p.memory);
    expect(s.pull).toBeNull();
    expect(s.degradedTime).toBe(0);
    expect(s.bytesOnWire).toBe(p.memory + mib(1));
    expect(s.phases.map((ph) => ph.kind)).toEqual(['switchover']);
    checkSums(s);
  });

  it('pre-copy runs n rounds then copies the residual', () => {
    const s = predictStrategy(p, 'pre-copy', 3);
    expect(s.rounds.map((r) => r.index)).toEqual([0, 1, 2]);
    expect(s.rounds[0]!.volume).toBe(p.memory);
    expect(s.rounds[1]!.volume).toBe(s.rounds[0]!.dirtied);
    expect(s.switchover.residual).toBe(s.rounds[2]!.dirtied);
    expect(s.phases.map((ph) => ph.label)).toEqual(['round 0', 'round 1', 'round 2', 'switchover']);
    checkSums(s);
  });

  it('post-copy ignores rounds and pulls all of M after the switchover', () => {
    const s = predictStrategy(p, 'post-copy', 3);
    expect(s.rounds).toHaveLength(0);
    expect(s.switchover.mode).toBe('lazy');
    expect(s.pull!.remote).toBe(p.memory);
    expect(s.degradedTime).toBe(s.pull!.degraded);
    expect(s.bytesOnWire).toBe(p.memory + mib(1));
    checkSums(s);
  });

  it('hybrid pulls only the residual of its rounds', () => {
    const s = predictStrategy(p, 'hybrid', 2);
    expect(s.pull!.remote).toBe(s.rounds[1]!.dirtied);
    expect(s.phases.map((ph) => ph.kind)).toEqual([
      'pre-copy-round',
      'pre-copy-round',
      'switchover',
      'post-copy-pull',
    ]);
    checkSums(s);
  });

  it('counts pages written and skipped', () => {
    const { rounds, residual } = precopyRounds(p, 2);
    expect(rounds[0]).toMatchObject({ pagesWritten: 65536, pagesSkipped: 0 });
    expect(rounds[1]!.pagesWritten).toBe(Math.ceil(rounds[1]!.volume / 4096));
    expect(rounds[1]!.pagesSkipped).toBe(65536 - rounds[1]!.pagesWritten);
    expect(residual).toBe(rounds[1]!.dirtied);
  });

  it('reports every strategy', () => {
    expect(STRATEGIES).toEqual(['stop-and-copy', 'pre-copy', 'post-copy', 'hybrid']);
  });
});
