import {
  copyViolations,
  isLive,
  maxLive,
  type Sample,
  type SampledCopy,
} from '../../../testbed/faults/samples';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const copy = (cluster: string, id: string, dockerState?: string, proc?: boolean): SampledCopy => ({
  cluster,
  id,
  ...(dockerState !== undefined ? { dockerState } : {}),
  ...(proc !== undefined ? { proc } : {}),
});
const at = (atMs: number, copies: SampledCopy[], journalState = 'copying'): Sample => ({
  atMs,
  journalState,
  dockerDown: [],
  copies,
});

describe('isLive', () => {
  it.each<[string, SampledCopy, boolean]>([
    ['running, process alive', copy('cluster-a', A, 'running', true), true],
    [
      'engine still says running after the checkpoint, process gone',
      copy('cluster-a', A, 'running', false),
      false,
    ],
    ['engine down, process alive under its shim', copy('cluster-a', A, undefined, true), true],
    ['paused, no runc state readable', copy('cluster-a', A, 'paused'), true],
    ['restarting, no runc state readable', copy('cluster-a', A, 'restarting'), true],
    ['exited', copy('cluster-a', A, 'exited', false), false],
    ['created, not started', copy('cluster-b', B, 'created', false), false],
    ['unknown to everyone', copy('cluster-b', B), false],
  ])('%s', (_what, c, live) => {
    expect(isLive(c)).toBe(live);
  });
});

describe('copyViolations (at most one live copy at every sample)', () => {
  const source = (proc: boolean): SampledCopy => copy('cluster-a', A, proc ? 'running' : 'exited', proc);
  const target = (proc: boolean): SampledCopy => copy('cluster-b', B, proc ? 'running' : 'created', proc);

  it.each<[string, Sample[], number]>([
    [
      'a clean switchover',
      [
        at(0, [source(true)]),
        at(100, [source(false), target(false)]),
        at(200, [source(false), target(true)]),
      ],
      0,
    ],
    [
      'a rollback',
      [at(0, [source(true), target(false)]), at(100, [source(false)]), at(200, [source(true)])],
      0,
    ],
    ['no samples', [], 0],
    [
      'both run in one sample',
      [at(0, [source(true)]), at(100, [source(true), target(true)]), at(200, [target(true)])],
      1,
    ],
    [
      'two separate overlaps',
      [at(0, [source(true), target(true)]), at(100, [target(true)]), at(200, [source(true), target(true)])],
      2,
    ],
    [
      'a target running unseen behind a dead engine while the source runs again',
      [at(0, [source(true), copy('cluster-b', B, undefined, true)])],
      1,
    ],
  ])('%s: %i violation(s)', (_what, samples, n) => {
    const v = copyViolations(samples);
    expect(v).toHaveLength(n);
    for (const x of v) expect(x.code).toBe('two-copies');
  });

  it('collapses a run of samples into one violation that says when and in which journal state', () => {
    const both = [source(true), target(true)];
    const v = copyViolations([
      at(1000, both, 'restoring'),
      at(1100, both, 'target-running'),
      at(1200, [target(true)]),
    ]);
    expect(v).toHaveLength(1);
    expect(v[0]!.detail).toContain('from +1.0 s to +1.1 s');
    expect(v[0]!.detail).toContain('restoring -> target-running');
    expect(v[0]!.detail).toContain('cluster-a:aaaaaaaaaaaa');
  });

  it('maxLive counts the most live copies of any sample', () => {
    expect(maxLive([at(0, [source(true)]), at(1, [source(true), target(true)]), at(2, [])])).toBe(2);
    expect(maxLive([])).toBe(0);
  });
});
