import {
  finalCopiesViolations,
  journalViolations,
  leftoverViolations,
  outcomeOf,
  reportViolations,
  workloadViolations,
  type WorkloadEvidence,
} from '../../../testbed/faults/checks';
import { parseDirtierLog } from '../../../testbed/faults/log-lines';
import type { SampledCopy } from '../../../testbed/faults/samples';
import type { SeenJournal } from '../../../testbed/faults/schemas';

const SRC = 's'.repeat(64);
const TGT = 't'.repeat(64);
const T0 = 1_800_000_000_000; // realtime ms

/** Tick lines n..m, 100 ms apart from T0 + 100 n. */
const ticks = (from: number, to: number, ok = 1): string[] =>
  Array.from({ length: to - from + 1 }, (_, i) => {
    const n = from + i;
    return `tick=${n} t=${BigInt(T0 + n * 100) * 1_000_000n} dirtied=${n} ok=${ok}`;
  });
const START = 'start pid=1 mib=64 rate=4 tick_ms=100 ws_mib=0 pages=16384 t=1';
const OK = 'verify=ok pages=16384 bad=0 vsum=1 dirtied=1 sum=00 ms=17 max_gap_ms=900';

const evidence = (lines: string[], over: Partial<WorkloadEvidence> = {}): WorkloadEvidence => ({
  runningId: TGT,
  originalId: SRC,
  log: parseDirtierLog(lines.join('\n')),
  lastTickBefore: 15,
  tickBeforeWait: 40,
  others: [{ id: SRC, tick: 30, atMs: T0 + 3000 }],
  ...over,
});

describe('workloadViolations', () => {
  it.each<[string, WorkloadEvidence, string[]]>([
    [
      'a restored target copy that continues the counter',
      evidence(['gap_ms=900 tick=31', ...ticks(31, 60), OK]),
      [],
    ],
    [
      'the source restored in place after a rollback',
      evidence([START, ...ticks(1, 30), ...ticks(31, 60), OK], { runningId: SRC, others: [] }),
      [],
    ],
    [
      'the counter goes back inside the log',
      evidence([...ticks(31, 45), ...ticks(40, 60)]),
      ['counter-back'],
    ],
    ['a tick printed twice', evidence([...ticks(31, 45), ...ticks(45, 60)]), ['counter-back']],
    [
      'a target copy that started afresh',
      evidence([START, ...ticks(1, 60)], { lastTickBefore: 0, others: [] }),
      ['fresh-start'],
    ],
    [
      'the source started a second life at tick=1',
      evidence([START, ...ticks(1, 30), START, ...ticks(1, 20)], {
        runningId: SRC,
        others: [],
        lastTickBefore: 10,
        tickBeforeWait: 15,
      }),
      ['counter-back', 'fresh-start'],
    ],
    [
      'a copy resumed from an older state than another copy had reached',
      evidence(ticks(20, 60), { others: [{ id: SRC, tick: 30, atMs: T0 + 1000 }] }),
      ['counter-back'],
    ],
    ['no progress since the migration started', evidence(ticks(5, 15)), ['counter-stalled']],
    ['no tick during the wait', evidence(ticks(31, 40), { tickBeforeWait: 40 }), ['counter-stalled']],
    [
      'a failed memory verification',
      evidence([...ticks(31, 60), 'verify=FAIL pages=16384 bad=2 vsum=1']),
      ['memory-verify'],
    ],
    ['ok=0 on a tick line', evidence(ticks(31, 60, 0)), ['memory-verify']],
  ])('%s', (_what, e, codes) => {
    expect(workloadViolations(e).map((v) => v.code)).toEqual(codes);
  });
});

describe('finalCopiesViolations', () => {
  const c = (cluster: string, id: string, dockerState: string, proc: boolean): SampledCopy => ({
    cluster,
    id,
    dockerState,
    proc,
  });
  it.each<[string, SampledCopy[], boolean, string[]]>([
    ['exactly one running copy', [c('cluster-b', TGT, 'running', true)], false, []],
    ['none runs', [c('cluster-a', SRC, 'exited', false)], false, ['no-running-copy', 'stale-copy']],
    ['nothing anywhere', [], false, ['no-running-copy']],
    ['none runs, and the fault stopped it', [c('cluster-a', SRC, 'exited', false)], true, []],
    [
      'two run',
      [c('cluster-a', SRC, 'running', true), c('cluster-b', TGT, 'running', true)],
      false,
      ['copies-after-recovery'],
    ],
    [
      'one runs, a created target is left',
      [c('cluster-a', SRC, 'running', true), c('cluster-b', TGT, 'created', false)],
      false,
      ['stale-copy'],
    ],
  ])('%s', (_what, copies, lost, codes) => {
    expect(finalCopiesViolations(copies, lost).map((v) => v.code)).toEqual(codes);
  });
});

const journal = (state: string, extra: Partial<SeenJournal> = {}): SeenJournal => ({
  schema: 'ferry.migration-journal/v2',
  migrationId: '20261204-014259-f67fb5',
  containerName: 'x',
  source: { cluster: 'cluster-a', host: { workDir: '/w/a' } },
  target: { cluster: 'cluster-b', host: { workDir: '/w/b' } },
  sourceContainerId: SRC,
  checkpointName: 'ferry-20261204-014259-f67fb5',
  sourceDir: '/w/a/ferry-20261204-014259-f67fb5',
  targetDir: '/w/b/ferry-20261204-014259-f67fb5',
  state,
  history: [
    { state: 'started', at: '2026-12-04T01:42:59.960Z' },
    { state, at: '2026-12-04T01:43:09.960Z', note: `why ${state}` },
  ],
  ...extra,
});

describe('journalViolations', () => {
  it.each<[string, SeenJournal[], number, string[]]>([
    ['done', [journal('done')], 0, []],
    ['rolled back', [journal('rolled-back')], 0, []],
    ['no journal at all (refused before starting)', [], 0, []],
    ['failed', [journal('failed')], 0, ['journal-not-terminal']],
    ['fenced', [journal('fenced', { fence: { reason: 'target unreachable' } })], 0, ['journal-not-terminal']],
    ['left mid-way', [journal('frozen')], 0, ['journal-not-terminal']],
    ['one good, one unreadable file', [journal('done')], 1, ['journal-unreadable']],
  ])('%s', (_what, js, bad, codes) => {
    const badFiles = Array.from({ length: bad }, () => ({
      file: '/h/.ferry/journal/x.json',
      why: 'state: expected string',
    }));
    expect(journalViolations(js, badFiles).map((v) => v.code)).toEqual(codes);
  });

  it('quotes the fence and the last note', () => {
    const [v] = journalViolations([journal('fenced', { fence: { reason: 'engine down' } })], []);
    expect(v!.detail).toContain('fence: engine down');
    expect(v!.detail).toContain('last note: why fenced');
  });
});

describe('reportViolations', () => {
  const report = {
    migrationId: '20261204-014259-f67fb5',
    container: 'x',
    from: 'cluster-a/host-1',
    to: 'cluster-b/host-1',
    targetContainerId: TGT,
  };
  const onTarget: SampledCopy = { cluster: 'cluster-b', id: TGT, dockerState: 'running', proc: true };
  it.each<[string, Parameters<typeof reportViolations>, number]>([
    ['a true report', [report, [journal('done')], onTarget], 0],
    ['no report on stdout', [undefined, [journal('done')], onTarget], 1],
    ['journal not done', [report, [journal('rolled-back')], onTarget], 1],
    ['runs on the source', [report, [journal('done')], { ...onTarget, cluster: 'cluster-a', id: SRC }], 1],
    ['another copy runs on the target', [report, [journal('done')], { ...onTarget, id: SRC }], 1],
    [
      'the report names an unknown migration',
      [{ ...report, migrationId: 'other' }, [journal('done')], onTarget],
      1,
    ],
  ])('%s', (_what, args, n) => {
    const v = reportViolations(...args);
    expect(v).toHaveLength(n);
    for (const x of v) expect(x.code).toBe('report-mismatch');
  });
});

describe('outcomeOf and leftoverViolations', () => {
  it.each<[SeenJournal[][], string]>([
    [[[journal('rolled-back')]], 'rolled-back'],
    [[[journal('done')], []], 'done+no-journal'],
    [[[]], 'no-journal'],
    [[[journal('failed'), journal('done')]], 'failed/done'],
  ])('%j -> %s', (perHome, outcome) => {
    expect(outcomeOf(perHome)).toBe(outcome);
  });

  it('makes one leftover violation per item', () => {
    expect(leftoverViolations(['a', 'b']).map((v) => v.code)).toEqual(['leftover', 'leftover']);
  });
});
