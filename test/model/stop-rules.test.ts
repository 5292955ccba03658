import {
  LXD_LIMITS,
  LXD_RULE,
  lxdStop,
  PHAUL_LIMITS,
  PHAUL_RULE,
  phaulStop,
  type PageStats,
} from '../../provider/model';

const rounds = (...written: number[]): PageStats[] =>
  written.map((w) => ({ pagesWritten: w, pagesSkipped: 1000 - w }));

describe('p.haul stop rule (<= 64 pages, > 10 % growth, 8 rounds)', () => {
  it.each<[string, PageStats[], boolean, RegExp]>([
    ['no round yet', [], false, /no round yet/],
    ['first full round', rounds(1000), false, /wrote 1000 pages/],
    ['shrinking', rounds(1000, 400, 200), false, /wrote 200 pages/],
    ['64 pages is small enough', rounds(1000, 64), true, /64 pages, at most 64/],
    ['65 pages is not', rounds(1000, 65), false, /wrote 65 pages/],
    ['10 % growth is tolerated', rounds(1000, 100, 110), false, /wrote 110/],
    ['11 % growth stops', rounds(1000, 100, 111), true, /more than 10 % above the 100/],
    ['8 rounds', rounds(1000, 900, 800, 700, 600, 500, 400, 300), true, /reached 8 rounds/],
    ['7 rounds go on', rounds(1000, 900, 800, 700, 600, 500, 400), false, /wrote 400/],
  ])('%s', (_name, history, stop, reason) => {
    const v = phaulStop(history);
    expect(v.stop).toBe(stop);
    expect(v.reason).toMatch(reason);
    expect(PHAUL_RULE.decide(history)).toEqual(v);
  });

  it('takes other limits', () => {
    expect(phaulStop(rounds(1000, 500), { ...PHAUL_LIMITS, maxRounds: 2 }).stop).toBe(true);
  });
});

describe('LXD/Incus stop rule (70 % of pages unchanged, 10 rounds)', () => {
  it.each<[string, PageStats[], boolean, RegExp]>([
    ['no round yet', [], false, /no round yet/],
    ['first full round', rounds(1000), false, /0\.0 % of pages unchanged/],
    ['69.9 % unchanged', rounds(1000, 301), false, /69\.9 %/],
    ['70 % unchanged', rounds(1000, 300), true, /70\.0 % of pages unchanged, goal 70 %/],
    ['empty image counts as synced', [{ pagesWritten: 0, pagesSkipped: 0 }], true, /100\.0 %/],
    ['10 rounds', rounds(1000, 990, 980, 970, 960, 950, 940, 930, 920, 910), true, /reached 10 rounds/],
  ])('%s', (_name, history, stop, reason) => {
    const v = lxdStop(history);
    expect(v.stop).toBe(stop);
    expect(v.reason).toMatch(reason);
    expect(LXD_RULE.decide(history)).toEqual(v);
  });

  it('takes other limits', () => {
    expect(lxdStop(rounds(1000, 500), { ...LXD_LIMITS, syncedGoal: 0.5 }).stop).toBe(true);
  });
});
