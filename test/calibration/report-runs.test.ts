import { parseReportFile, resolvedProfileCosts, runsFromReports } from '../../provider/calibration';
import { DEFAULT_CALIBRATION_PROFILE } from '../../provider/calibration';
import { InvalidInput } from '../../provider/errors';
import { mib, seconds } from '../../provider/units';
import { asJson, syntheticReport } from './support';

const costs = resolvedProfileCosts(DEFAULT_CALIBRATION_PROFILE, undefined, false);
const report = (id = 'm1') =>
  asJson(
    syntheticReport(id, { memoryMiB: 64, rounds: 2, finalMiB: 2, processes: 2, rootfsMiB: 1 }, costs),
  ) as Record<string, unknown>;

/** The InvalidInput that parsing `data` as a report file throws. */
function failure(data: unknown): InvalidInput {
  try {
    parseReportFile(data, 'r.json');
  } catch (e) {
    if (e instanceof InvalidInput) return e;
    throw e;
  }
  throw new Error('parsed without an error');
}

describe('parseReportFile', () => {
  it('reads one report (what ferry migrate --json prints) or a list', () => {
    expect(parseReportFile(report(), 'r.json')).toHaveLength(1);
    expect(parseReportFile([report('a'), report('b')], 'r.json').map((r) => r.migrationId)).toEqual([
      'a',
      'b',
    ]);
  });

  it.each<[string, unknown, string, RegExp]>([
    ['not a report', 'hello', 'migration report r.json', /output of ferry migrate --json/],
    [
      'no downtime',
      { ...report(), downtime: undefined },
      'downtime in migration report r.json',
      /measured downtime/,
    ],
    [
      'a negative freeze',
      { ...report(), rounds: [{ ...(report().rounds as object[])[0], freeze: -1 }] },
      'rounds[0].freeze in migration report r.json',
      /0 or more/,
    ],
    [
      'no final round',
      { ...report(), rounds: (report().rounds as object[]).slice(0, 1) },
      'rounds in migration report r.json',
      /final round last/,
    ],
    ['an empty list', [], 'migration report r.json', /at least one/],
    [
      'a bad second report',
      [report(), { ...report(), memory: 'big' }],
      '[1].memory in migration report r.json',
      /bytes/,
    ],
  ])('rejects %s, naming the file and the field', (_what, data, field, expected) => {
    const e = failure(data);
    expect(e.field).toBe(field);
    expect(e.expected).toMatch(expected);
  });
});

describe('runsFromReports', () => {
  it('takes what the fit needs from the report and its plan', () => {
    const [r] = parseReportFile(report(), 'r.json');
    const { runs, skipped } = runsFromReports([{ report: r!, source: 'r.json' }]);
    expect(skipped).toEqual([]);
    expect(runs).toHaveLength(1);
    const run = runs[0]!;
    expect(run).toMatchObject({
      id: 'm1',
      source: 'r.json',
      description: 'c cluster-a/host-1 -> cluster-b/host-1',
      memory: mib(64),
      processes: 2,
      rootfsDiff: mib(1),
      restoreMode: 'pages-by-reference',
      precopyRounds: 2,
      finalSent: mib(2),
    });
    expect(run.freezes).toHaveLength(3);
    expect(run.deltas).toHaveLength(2); // the first round's is left out
    expect(run.bandwidth).toBe(r!.plan!.model.bandwidth);
    expect(run.planned).toBe(r!.plan!.downtime);
  });

  it('skips runs without a plan and runs with dirty tracking, saying why', () => {
    const noPlan = { ...report('fixed'), plan: undefined };
    const tracked = report('tracked');
    const plan = tracked.plan as { inputs: { link: { costs: { dirtyTracking: boolean } } } };
    plan.inputs.link.costs.dirtyTracking = true;
    const parsed = [noPlan, tracked].map((d) => ({
      report: parseReportFile(d, 'r.json')[0]!,
      source: 'r.json',
    }));
    const { runs, skipped } = runsFromReports(parsed);
    expect(runs).toEqual([]);
    expect(skipped.map((s) => s.id)).toEqual(['fixed', 'tracked']);
    expect(skipped[0]!.reason).toMatch(/no plan/);
    expect(skipped[1]!.reason).toMatch(/dirty tracking/);
  });

  it("compares an imposed strategy with the plan's alternative for it", () => {
    const d = { ...report(), strategy: 'stop-and-copy' };
    const [r] = parseReportFile(d, 'r.json');
    const { runs } = runsFromReports([{ report: r!, source: 'r.json' }]);
    const alt = r!.plan!.alternatives.find((a) => a.strategy === 'stop-and-copy')!;
    expect(runs[0]!.planned).toBe(alt.downtime);
    expect(runs[0]!.planned).not.toBe(seconds(r!.plan!.downtime));
  });
});
