import fc from 'fast-check';
import {
  DEFAULT_CALIBRATION_PROFILE,
  fitCosts,
  median,
  parseReportFile,
  resolvedProfileCosts,
  runsFromReports,
  theilSenSlope,
  type CalibrationRun,
  type ProfileCosts,
} from '../../provider/calibration';
import { InvalidInput } from '../../provider/errors';
import type { ResolvedCosts } from '../../provider/model';
import { mibPerSecond, seconds } from '../../provider/units';
import { asJson, syntheticReport, type RunSpec } from './support';

const base = DEFAULT_CALIBRATION_PROFILE;

/** Runs read back from synthetic reports of `specs` under `costs`, through the report schema. */
function runsOf(specs: readonly RunSpec[], costs: ResolvedCosts): CalibrationRun[] {
  const reports = specs.map((s, i) => ({
    report: parseReportFile(asJson(syntheticReport(`run-${i}`, s, costs)), `r${i}.json`)[0]!,
    source: `r${i}.json`,
  }));
  return runsFromReports(reports).runs;
}

const costsWith = (c: Partial<ProfileCosts>): ResolvedCosts => ({
  ...resolvedProfileCosts(base, undefined, false),
  ...c,
});

const close = (actual: number, expected: number, rel = 1e-9): void => {
  expect(Math.abs(actual / expected - 1)).toBeLessThanOrEqual(rel);
};

describe('median and theilSenSlope', () => {
  it.each([
    [[], undefined],
    [[3], 3],
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
  ])('median(%j) = %s', (xs, m) => {
    expect(median(xs)).toBe(m);
  });

  it('finds the slope of a line despite one outlier, and ignores pairs of about the same size', () => {
    const pts = [1, 2, 4, 8, 16].map((x) => ({ x, y: 3 + 0.5 * x }));
    pts.push({ x: 16.5, y: 100 }); // within 10 % of 16: its pair with 16 gives no slope
    expect(theilSenSlope(pts)).toBeCloseTo(0.5, 12);
    expect(
      theilSenSlope([
        { x: 10, y: 1 },
        { x: 10.5, y: 5 },
      ]),
    ).toBeUndefined();
  });
});

describe('fitCosts', () => {
  const truth = costsWith({
    freezeBase: seconds(0.2),
    dumpRate: mibPerSecond(1500),
    deltaRate: mibPerSecond(900),
    restoreBase: seconds(0.3),
    restoreRate: mibPerSecond(700),
  });
  const specs: RunSpec[] = [
    { memoryMiB: 8, rounds: 1, finalMiB: 0.02 },
    { memoryMiB: 32, rounds: 2, finalMiB: 2, processes: 2 },
    { memoryMiB: 256, rounds: 3, finalMiB: 13, rttMs: 20, mbit: 1000, rootfsMiB: 1 },
    { memoryMiB: 64, rounds: 0, finalMiB: 64 },
  ];

  it('recovers the costs the reports were generated from, and says what it fitted', () => {
    const fit = fitCosts(runsOf(specs, truth), base);
    close(fit.costs.freezeBase, 0.2);
    close(fit.costs.dumpRate, mibPerSecond(1500));
    close(fit.costs.deltaRate, mibPerSecond(900));
    close(fit.costs.restoreBase, 0.3);
    close(fit.costs.restoreRate, mibPerSecond(700));
    expect(fit.costs.freezePerProcess).toBe(base.costs.freezePerProcess);
    expect(fit.costs.faultSize).toBe(base.costs.faultSize);
    expect([...fit.fitted].sort()).toEqual([
      'deltaRate',
      'dumpRate',
      'freezeBase',
      'restoreBase',
      'restoreRate',
    ]);
    expect(fit.notes).toEqual([]);
    // the engine-copy restore had no run: the base's is kept
    expect(fit.restoreModes['engine-copy']).toEqual(base.restoreModes?.['engine-copy']);
  });

  it('fits each restore mode on its own runs', () => {
    const copy = costsWith({ ...truth, restoreBase: seconds(0.9), restoreRate: mibPerSecond(60) });
    const runs = [
      ...runsOf(specs, truth),
      ...runsOf(
        specs.map((s) => ({ ...s, restoreMode: 'engine-copy' as const })),
        copy,
      ),
    ];
    const fit = fitCosts(runs, base);
    close(fit.costs.restoreBase, 0.3);
    close(fit.restoreModes['engine-copy']!.restoreBase!, 0.9);
    close(fit.restoreModes['engine-copy']!.restoreRate!, mibPerSecond(60));
  });

  it("keeps the base's rates when all runs have the same size, and fits the base times only", () => {
    const same = specs.map((s) => ({ ...s, memoryMiB: 64 }));
    const fit = fitCosts(runsOf(same, truth), base);
    expect(fit.costs.dumpRate).toBe(base.costs.dumpRate);
    expect(fit.costs.restoreRate).toBe(base.costs.restoreRate);
    expect(fit.fitted).not.toContain('dumpRate');
    expect(fit.notes.some((n) => n.startsWith('freeze: no two runs differ in size'))).toBe(true);
    // the base time absorbs the rate's error at this size: the freeze of 64 MiB is still right
    const m = 64 * 1024 * 1024;
    close(fit.costs.freezeBase + m / fit.costs.dumpRate, 0.2 + m / mibPerSecond(1500));
  });

  it('clamps a negative base time to zero and says so', () => {
    const runs = runsOf(specs, truth).map((r) => ({ ...r, freezes: r.freezes.map(() => seconds(1e-6)) }));
    const fit = fitCosts(runs, base);
    expect(fit.costs.freezeBase).toBe(0);
    expect(fit.notes).toContainEqual(
      expect.stringMatching(/^freeze: the fitted base time was -[\d.]+ ms, below zero; it is 0$/),
    );
  });

  it('refuses an empty set of runs', () => {
    expect(() => fitCosts([], base)).toThrow(InvalidInput);
  });

  it('property: recovers any costs from runs of at least two sizes', () => {
    const spec = fc.record({
      memoryMiB: fc.constantFrom(8, 16, 32, 64, 128, 256, 512),
      rounds: fc.integer({ min: 0, max: 4 }),
      finalMiB: fc.double({ min: 0.01, max: 20, noNaN: true }),
      processes: fc.integer({ min: 1, max: 3 }),
      rttMs: fc.double({ min: 1, max: 100, noNaN: true }),
      mbit: fc.double({ min: 10, max: 1000, noNaN: true }),
    });
    fc.assert(
      fc.property(
        fc.record({
          freezeBase: fc.double({ min: 0.01, max: 0.5, noNaN: true }),
          dumpRate: fc.double({ min: 200, max: 5000, noNaN: true }),
          deltaRate: fc.double({ min: 200, max: 5000, noNaN: true }),
          restoreBase: fc.double({ min: 0.05, max: 1, noNaN: true }),
          restoreRate: fc.double({ min: 50, max: 3000, noNaN: true }),
        }),
        fc
          .array(spec, { minLength: 2, maxLength: 8 })
          .filter((s) => new Set(s.map((x) => x.memoryMiB)).size >= 2)
          .map((s) => [{ ...s[0]!, rounds: Math.max(1, s[0]!.rounds) }, ...s.slice(1)]),
        (c, runSpecs) => {
          const t = costsWith({
            freezeBase: seconds(c.freezeBase),
            dumpRate: mibPerSecond(c.dumpRate),
            deltaRate: mibPerSecond(c.deltaRate),
            restoreBase: seconds(c.restoreBase),
            restoreRate: mibPerSecond(c.restoreRate),
          });
          const fit = fitCosts(runsOf(runSpecs, t), base);
          close(fit.costs.freezeBase, t.freezeBase, 1e-6);
          close(fit.costs.dumpRate, t.dumpRate, 1e-6);
          close(fit.costs.deltaRate, t.deltaRate, 1e-6);
          close(fit.costs.restoreBase, t.restoreBase, 1e-6);
          close(fit.costs.restoreRate, t.restoreRate, 1e-6);
        },
      ),
      { numRuns: 100 },
    );
  });
});
