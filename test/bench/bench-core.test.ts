import { charts } from '../../bench/report/charts';
import { resultsToMarkdown } from '../../bench/report/markdown';
import { esc, niceTicks, svgDocument } from '../../bench/report/svg';
import {
  cellKey,
  dirtyMiBs,
  dirtier,
  estimateProfileSeconds,
  FULL,
  QUICK,
  RTT,
  runOrder,
  validateProfile,
  type Profile,
} from '../../bench/matrix';
import { errorPct, errorStats, headline, median, summarize } from '../../bench/stats';
import { STRATEGY_NAMES, type BenchResults, type RunRecord, type StrategyName } from '../../bench/types';
import { InvalidInput } from '../../provider/errors';

/** A minimal XML well-formedness check: balanced tags, quoted attributes, no raw `<` or `&` in text. */
function wellFormed(xml: string): boolean {
  const body = xml.replace(/^<\?xml[^>]*\?>\s*/, '');
  const stack: string[] = [];
  const re = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)|(<)/g;
  let m: RegExpExecArray | null;
  let pos = 0;
  while ((m = re.exec(body)) !== null) {
    if (m.index !== pos) return false;
    pos = re.lastIndex;
    if (m[6] !== undefined) return false;
    if (m[5] !== undefined) {
      if (/&(?!(amp|lt|gt|quot|apos);)/.test(m[5])) return false;
      continue;
    }
    const [, close, name, , self] = m;
    if (self === '/') continue;
    if (close === '/') {
      if (stack.pop() !== name) return false;
    } else stack.push(name!);
  }
  return pos === body.length && stack.length === 0;
}

const link = { rttMs: 50, mbit: 100 };
function rec(
  strategy: StrategyName,
  rep: number,
  downtimeS: number,
  totalS: number,
  extra: Partial<RunRecord> = {},
): RunRecord {
  const cell = { workload: dirtier(64, 0.1), link };
  return {
    seq: 0,
    cellKey: cellKey(cell),
    cell,
    strategy,
    rep,
    container: `c-${strategy}-${rep}`,
    startedAt: '2026-11-22T00:00:00Z',
    ok: true,
    downtimeS,
    totalS,
    bytesOnWire: 64 * 1048576,
    rounds: 1,
    ...extra,
  };
}

describe('matrix', () => {
  it('quick has 24 runs, each strategy 3 times per cell, interleaved', () => {
    const order = runOrder(QUICK);
    expect(order).toHaveLength(QUICK.links.length * QUICK.workloads.length * 4 * 3);
    for (const s of STRATEGY_NAMES)
      expect(order.filter((r) => r.strategy === s)).toHaveLength(3 * QUICK.links.length);
    // within each repetition of a cell, the strategies are a permutation, rotated from one rep to the next
    const firstOfEachRound = order.filter((_, i) => i % 4 === 0).map((r) => r.strategy);
    expect(new Set(firstOfEachRound.slice(0, 3)).size).toBe(3);
    order.forEach((r, i) => expect(r.seq).toBe(i));
    // links are the outer loop: each link is set once
    const linkChanges = order.filter((r, i) => i > 0 && r.cell.link !== order[i - 1]!.cell.link).length;
    expect(linkChanges).toBe(QUICK.links.length - 1);
  });

  it('rtt: links are the outer loop, each set once', () => {
    const order = runOrder(RTT);
    expect(order).toHaveLength(24);
    const changes = order.filter((r, i) => i > 0 && r.cell.link !== order[i - 1]!.cell.link).length;
    expect(changes).toBe(1);
  });

  it('full covers issue 6: 3 sizes x 4 dirty rates + redis, 4 RTTs x 2 bandwidths', () => {
    expect(FULL.workloads).toHaveLength(13);
    expect(FULL.links).toHaveLength(8);
    expect(runOrder(FULL)).toHaveLength(13 * 8 * 4 * 3);
    expect(estimateProfileSeconds(FULL)).toBeGreaterThan(estimateProfileSeconds(QUICK));
  });

  it('rejects fewer than 3 repetitions and empty lists', () => {
    const bad: Profile = { ...QUICK, reps: 2 };
    expect(() => validateProfile(bad)).toThrow(InvalidInput);
    expect(() => validateProfile({ ...QUICK, links: [] })).toThrow(InvalidInput);
    expect(() => validateProfile({ ...QUICK, strategies: ['ferry', 'ferry'] })).toThrow(InvalidInput);
  });

  it('derives the dirty rate from the link', () => {
    expect(dirtyMiBs(dirtier(64, 0.1), { rttMs: 1, mbit: 100 })).toBeCloseTo(1.19, 2);
    expect(dirtyMiBs(dirtier(64, 0.5), { rttMs: 1, mbit: 1000 })).toBeCloseTo(59.6, 1);
    expect(dirtyMiBs(dirtier(64, 0), { rttMs: 1, mbit: 1000 })).toBe(0);
    expect(cellKey({ workload: dirtier(64, 0.1), link })).toBe('dirtier-64MiB-10%@50ms-100mbit');
  });
});

describe('stats', () => {
  it('median of odd, even, empty, non-finite', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeUndefined();
    expect(median([NaN, 5])).toBe(5);
  });

  it('prediction error is signed and relative to the measurement', () => {
    expect(errorPct(1.5, 1)).toBeCloseTo(50);
    expect(errorPct(0.5, 1)).toBeCloseTo(-50);
    expect(errorPct(1, 0)).toBeUndefined();
    const e = errorStats([
      [1.1, 1],
      [0.5, 1],
      [1, 1],
    ]);
    expect(e.n).toBe(3);
    expect(e.medianAbsPct).toBeCloseTo(10);
    expect(e.worstPct).toBeCloseTo(-50);
  });

  it('medians skip failed runs and count them', () => {
    const runs = [
      rec('hand-made', 1, 10, 20),
      rec('hand-made', 2, 12, 22),
      rec('hand-made', 3, 99, 99, { ok: false, failure: 'x' }),
    ];
    const [row] = summarize(runs);
    expect(row?.failed).toBe(1);
    expect(row?.downtimeS).toBe(11);
  });

  it('runs disturbed by another user of the bed count nowhere', () => {
    const runs = [
      rec('hand-made', 1, 10, 20),
      rec('hand-made', 2, 1, 1, { ok: false, failure: 'bed-interference' }),
    ];
    const [row] = summarize(runs);
    expect(row?.runs).toBe(1);
    expect(row?.failed).toBe(0);
  });

  it('headline ratios: Ferry over hand-made and over the better fixed rule, per metric', () => {
    const p = { downtimeS: 0.6, totalS: 20, bytesOnWire: 1, rounds: 2, strategy: 'pre-copy' };
    const runs = [
      ...[1, 2, 3].map((i) => rec('hand-made', i, 10, 20)),
      ...[1, 2, 3].map((i) => rec('p.haul', i, 2, 40)),
      ...[1, 2, 3].map((i) => rec('lxd', i, 4, 30)),
      ...[1, 2, 3].map((i) => rec('ferry', i, 1, 15, { predicted: { ...p, downtimeS: 0.5 + i / 10 } })),
    ];
    const h = headline(runs);
    expect(h.medianVsHandMade.downtime).toBeCloseTo(0.1);
    expect(h.medianVsHandMade.total).toBeCloseTo(0.75);
    expect(h.medianVsBestFixedRule.downtime).toBeCloseTo(0.5);
    expect(h.vsBestFixedRule[0]?.against).toEqual({ downtime: 'p.haul', total: 'lxd' });
    expect(h.medianVsBestFixedRule.total).toBeCloseTo(0.5);
    expect(h.predictionError.downtime.n).toBe(3);
    expect(h.predictionError.downtime.worstPct).toBeCloseTo(-40);
    expect(h.predictionError.total.medianAbsPct).toBeCloseTo(33.33, 1);
  });
});

describe('report', () => {
  it('escapes text and produces nice ticks', () => {
    expect(esc('a<b & "c"')).toBe('a&lt;b &amp; &quot;c&quot;');
    expect(niceTicks(9.3)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(0)).toEqual([0, 1]);
    expect(niceTicks(0.27).at(-1)).toBeGreaterThanOrEqual(0.27);
  });

  it('every chart is well-formed SVG, with data and with none', () => {
    const runs = [
      rec('hand-made', 1, 10, 20),
      rec('ferry', 1, 1, 15, {
        predicted: { downtimeS: 0.8, totalS: 14, bytesOnWire: 1, rounds: 1, strategy: 'pre-copy' },
      }),
      rec('lxd', 1, 3, 25, { ok: false, failure: 'other', downtimeS: undefined }),
    ];
    for (const set of [runs, []]) {
      const cs = charts(set);
      expect(cs.map((c) => c.file)).toContain('predicted-vs-measured.svg');
      for (const c of cs) expect(wellFormed(c.svg)).toBe(true);
    }
    expect(
      wellFormed(
        svgDocument('t <&>', [
          {
            kind: 'bars',
            title: 'x&y',
            yLabel: 's',
            categories: ['<a>'],
            series: [{ name: 'n', values: [undefined] }],
          },
        ]),
      ),
    ).toBe(true);
    expect(wellFormed('<svg><g></svg>')).toBe(false);
  });

  it('markdown summary has the table, the headline and the failures', () => {
    const res: BenchResults = {
      schema: 'ferry-bench/1',
      profile: 'quick',
      startedAt: 'a',
      finishedAt: 'b',
      reps: 3,
      notes: ['n1'],
      runs: [
        rec('hand-made', 1, 10, 20),
        rec('ferry', 1, 1, 15),
        rec('lxd', 1, 3, 25, { ok: false, failure: 'aborted', error: 'boom' }),
      ],
    };
    const md = resultsToMarkdown(res, charts(res.runs));
    expect(md).toContain('| dirtier-64MiB-10%@50ms-100mbit | hand-made | 1/1 | 10.00 | 20.00 |');
    expect(md).toContain(
      'Ferry / hand-made stop-and-copy (median over cells): downtime **0.10**, total time **0.75**',
    );
    expect(md).toContain('lxd: aborted: 1');
    expect(md).toContain('Fewer than 3 successful runs: dirtier-64MiB-10%@50ms-100mbit hand-made (1)');
    expect(md).toContain('![predicted-vs-measured.svg](predicted-vs-measured.svg)');
  });
});
