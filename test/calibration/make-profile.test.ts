import {
  DEFAULT_CALIBRATION_PROFILE,
  downtimeRows,
  downtimeTable,
  errorFigures,
  fitCosts,
  makeProfile,
  parseCalibrationProfile,
  parseReportFile,
  predictDowntime,
  profileToJson,
  resolvedProfileCosts,
  runsFromReports,
  type DowntimeRow,
} from '../../provider/calibration';
import { mib, mibPerSecond, seconds } from '../../provider/units';
import { asJson, syntheticReport, type RunSpec } from './support';

const base = DEFAULT_CALIBRATION_PROFILE;
const truth = {
  ...resolvedProfileCosts(base, undefined, false),
  freezeBase: seconds(0.3),
  restoreBase: seconds(0.8),
  restoreRate: mibPerSecond(300),
};
const specs: RunSpec[] = [
  { memoryMiB: 16, rounds: 1, finalMiB: 0.02 },
  { memoryMiB: 64, rounds: 2, finalMiB: 3 },
  { memoryMiB: 256, rounds: 3, finalMiB: 12 },
];
const runs = runsFromReports(
  specs.map((s, i) => ({
    report: parseReportFile(asJson(syntheticReport(`m${i}`, s, truth)), `m${i}.json`)[0]!,
    source: `m${i}.json`,
  })),
).runs;

describe('predicted beside measured', () => {
  it('predicts the measured downtime exactly with the costs that generated it', () => {
    const exact = { ...base, costs: { ...base.costs, ...truth } };
    for (const r of runs) expect(predictDowntime(r, exact)).toBeCloseTo(r.downtime, 12);
    expect(predictDowntime(runs[0]!, base)).not.toBeCloseTo(runs[0]!.downtime, 2);
  });

  it('summarizes the errors in percent', () => {
    const row = (measured: number, before: number, after: number): DowntimeRow => ({
      id: 'x',
      memory: mib(1),
      precopyRounds: 1,
      finalSent: mib(1),
      measured: seconds(measured),
      planned: undefined,
      before: seconds(before),
      after: seconds(after),
    });
    const rows = [row(1, 1.5, 1.01), row(2, 1, 2), row(1, 1.2, 0.9)];
    expect(errorFigures(rows, 'before')).toEqual({ medianAbsPercent: 50, maxAbsPercent: 50 });
    expect(errorFigures(rows, 'after')).toEqual({ medianAbsPercent: 1, maxAbsPercent: 10 });
    const table = downtimeTable(rows, 'old', 'new');
    expect(table).toContain(
      '| run | M | rounds | final round | measured | planned then | before (old) | after (new) |',
    );
    expect(table).toContain('| x | 1.0 MiB | 1 | 1.0 MiB | 1.00 s | n/a | 1.50 s (+50 %) | 1.01 s (+1 %) |');
    expect(table).toMatch(
      /Median \|error\| 50 % before, 1 % after; largest 50 % before, 10 % after \(3 runs\)/,
    );
  });
});

describe('makeProfile', () => {
  const fit = fitCosts(runs, base);
  const { profile, rows } = makeProfile(
    { name: 'my-hosts', date: '2026-12-01', host: { description: 'two bare-metal hosts' }, base },
    fit,
    runs,
    ['skipped m9: no plan'],
  );

  it('writes a profile that parses back, with its provenance', () => {
    const back = parseCalibrationProfile(profileToJson(profile), 'my-hosts.json');
    expect(back.name).toBe('my-hosts');
    expect(back.costs.restoreBase).toBeCloseTo(0.8, 5);
    expect(back.costs.restoreRate / mibPerSecond(300)).toBeCloseTo(1, 5);
    expect(back.provenance).toMatchObject({
      date: '2026-12-01',
      host: { description: 'two bare-metal hosts' },
      base: 'testbed-2026-11-22',
    });
    expect(back.provenance.runs.map((r) => [r.id, r.source])).toEqual([
      ['m0', 'm0.json'],
      ['m1', 'm1.json'],
      ['m2', 'm2.json'],
    ]);
    expect(back.provenance.notes).toContain('skipped m9: no plan');
    expect(back.description).toBe('Fitted by ferry calibrate to 3 migration(s) on: two bare-metal hosts');
  });

  it('records the predictions after the fit and the errors before and after', () => {
    expect(rows.map((r) => r.id)).toEqual(['m0', 'm1', 'm2']);
    for (const [i, r] of profile.provenance.runs.entries()) {
      expect(r.measuredDowntime).toBeCloseTo(runs[i]!.downtime, 5); // six significant digits, as written
      expect(r.predictedDowntime).toBeCloseTo(runs[i]!.downtime, 4);
    }
    const [e] = profile.provenance.error;
    expect(e!.runs).toBe(3);
    expect(e!.maxAbsPercent).toBeLessThan(0.1);
    expect(e!.before!.costs).toBe('testbed-2026-11-22');
    expect(e!.before!.medianAbsPercent).toBeGreaterThan(10);
    expect(rows).toEqual(downtimeRows(runs, base, profile));
  });
});
