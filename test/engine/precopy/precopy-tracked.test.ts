/**
 * Tracked (soft-dirty) versus untracked pre-copy, driven through the REAL `precopy()` against the strict
 * scripted fakes of fake-shell.ts and fake-hosts.ts: the exact command sequence of every round, and what
 * is left on both hosts afterwards.
 */
import { precopy } from '../../../provider/engine/precopy/precopy';
import { ruleDecider } from '../../../provider/engine/precopy/round-deciders';
import type { ProgressEvent } from '../../../provider/engine/types';
import type { StopRule } from '../../../provider/model';
import { bytes, bytesPerSecond, seconds } from '../../../provider/units';
import { fakePath, roundsSource, roundsTarget } from '../fake-hosts';
import {
  diffArgv,
  DIFF_SH,
  DIRTY,
  fakeHost,
  ID,
  PD,
  R,
  runcArgv,
  S,
  src,
  T,
  tgt,
  TOTAL,
  TR,
  World,
  type Entry,
  MKDIR_PREFIX,
} from '../fake-shell';

/** Stops after `n` rounds: the test decides how many pre-copy rounds run. */
function stopAfter(n: number): StopRule {
  return {
    name: `stop after ${n}`,
    decide: (h) => ({
      stop: h.length >= n,
      reason: h.length >= n ? `${n} rounds done` : `round ${h.length}`,
    }),
  };
}

/**
 * The whole command sequence of pre-copy from round `first`, `n` rounds, as the spec states it: round 1
 * sends `first` whole (`diff -`); every later round is a `--leave-running` checkpoint (tracked: a
 * `--pre-dump` with the previous round as `--parent-path`), then its delta (tracked: `diff-tracked CUR`,
 * else `diff PREV CUR`), the send (`full`, then `apply`), the delta's removal, the previous round's removal
 * on the source (untracked only) and on the target.
 */
function expectedPrecopyLog(tracked: boolean, first: number, n: number): Entry[] {
  const log: Entry[] = [];
  for (let k = 0; k < n; k++) {
    const i = first + k;
    if (k > 0) {
      const work = `${S}/work-${i}`;
      const incremental = tracked ? ['--parent-path', `../${i - 1}`, '--pre-dump'] : [];
      log.push(src(...MKDIR_PREFIX, R(i), work));
      log.push(runcArgv(R(i), work, ['--leave-running', ...incremental, '--file-locks']));
    }
    const file = `${S}/delta-${i}`;
    log.push(
      k === 0
        ? diffArgv(file, 'diff', '-', R(i))
        : tracked
          ? diffArgv(file, 'diff-tracked', R(i))
          : diffArgv(file, 'diff', R(i - 1), R(i)),
    );
    log.push(['path', file, k === 0 ? 'full' : 'apply', String(i)]);
    log.push(src('rm', '-f', '--', file));
    if (k > 0 && !tracked) log.push(src('rm', '-rf', '--one-file-system', '--', R(i - 1)));
    if (i > 0) log.push(tgt('rm', '-rf', '--one-file-system', '--', TR(i - 1)));
  }
  return log;
}

/** The commands that matter, picked out of a log. */
function picked(log: readonly Entry[]) {
  const shell = (who: string) => log.filter((e) => e[0] === who).map((e) => e.slice(1));
  return {
    /** runc's flags between the id-less prefix and the container id. */
    runc: shell('src')
      .filter((a) => a[0] === 'runc')
      .map((a) => a.slice(4, -1)),
    /** pagedelta's mode and directories. */
    pagedelta: shell('src')
      .filter((a) => a[2] === DIFF_SH)
      .map((a) => a.slice(6)),
    /** Round dirs removed on the source. */
    removedOnSource: shell('src')
      .filter((a) => a[1] === '-rf')
      .map((a) => a.at(-1)!),
    /** What the target's receiver was sent. */
    sends: shell('path'),
  };
}

interface PrecopyCase {
  readonly tracked: boolean;
  readonly first: number;
  readonly rounds: number;
  readonly runc: readonly (readonly string[])[];
  readonly pagedelta: readonly (readonly string[])[];
  readonly removedOnSource: readonly string[];
  readonly sends: readonly (readonly string[])[];
  /** Dumps left on the source at the end. */
  readonly keptOnSource: readonly string[];
}

const w1 = `${S}/work-1`;
const w2 = `${S}/work-2`;

describe('precopy: tracked vs untracked rounds', () => {
  it.each<[string, PrecopyCase]>([
    [
      'untracked, 1 round',
      {
        tracked: false,
        first: 0,
        rounds: 1,
        runc: [],
        pagedelta: [['diff', '-', R(0)]],
        removedOnSource: [],
        sends: [[`${S}/delta-0`, 'full', '0']],
        keptOnSource: [R(0)],
      },
    ],
    [
      'tracked, 1 round (the first round is the same: nothing to track against)',
      {
        tracked: true,
        first: 0,
        rounds: 1,
        runc: [],
        pagedelta: [['diff', '-', R(0)]],
        removedOnSource: [],
        sends: [[`${S}/delta-0`, 'full', '0']],
        keptOnSource: [R(0)],
      },
    ],
    [
      'untracked, 3 rounds',
      {
        tracked: false,
        first: 0,
        rounds: 3,
        runc: [
          ['--image-path', R(1), '--work-path', w1, '--leave-running', '--file-locks'],
          ['--image-path', R(2), '--work-path', w2, '--leave-running', '--file-locks'],
        ],
        pagedelta: [
          ['diff', '-', R(0)],
          ['diff', R(0), R(1)],
          ['diff', R(1), R(2)],
        ],
        removedOnSource: [R(0), R(1)],
        sends: [
          [`${S}/delta-0`, 'full', '0'],
          [`${S}/delta-1`, 'apply', '1'],
          [`${S}/delta-2`, 'apply', '2'],
        ],
        keptOnSource: [R(2)],
      },
    ],
    [
      'tracked, 3 rounds',
      {
        tracked: true,
        first: 0,
        rounds: 3,
        runc: [
          [
            ...['--image-path', R(1), '--work-path', w1, '--leave-running'],
            ...['--parent-path', '../0', '--pre-dump', '--file-locks'],
          ],
          [
            ...['--image-path', R(2), '--work-path', w2, '--leave-running'],
            ...['--parent-path', '../1', '--pre-dump', '--file-locks'],
          ],
        ],
        pagedelta: [
          ['diff', '-', R(0)],
          ['diff-tracked', R(1)],
          ['diff-tracked', R(2)],
        ],
        removedOnSource: [],
        sends: [
          [`${S}/delta-0`, 'full', '0'],
          [`${S}/delta-1`, 'apply', '1'],
          [`${S}/delta-2`, 'apply', '2'],
        ],
        keptOnSource: [R(0), R(1), R(2)],
      },
    ],
    [
      'tracked, 2 rounds from measurement round 1 (planned path keeps rounds/1)',
      {
        tracked: true,
        first: 1,
        rounds: 2,
        runc: [
          [
            ...['--image-path', R(2), '--work-path', w2, '--leave-running'],
            ...['--parent-path', '../1', '--pre-dump', '--file-locks'],
          ],
        ],
        pagedelta: [
          ['diff', '-', R(1)],
          ['diff-tracked', R(2)],
        ],
        removedOnSource: [],
        sends: [
          [`${S}/delta-1`, 'full', '1'],
          [`${S}/delta-2`, 'apply', '2'],
        ],
        keptOnSource: [R(1), R(2)],
      },
    ],
  ])('%s', async (_name, c) => {
    const w = new World();
    // the first round: a checkpoint already taken (a pre-dump without parent in tracked mode)
    w.seedChain([R(c.first)], false);
    const events: ProgressEvent[] = [];
    const r = await precopy({
      source: fakeHost(w, 'src', roundsSource(w)),
      target: fakeHost(w, 'tgt', roundsTarget(w)),
      containerId: ID,
      sourceDir: S,
      targetDir: T,
      pagedelta: PD,
      path: fakePath(w),
      first: { dir: R(c.first), freeze: seconds(0.3), startedAt: seconds(0), index: c.first },
      decider: ruleDecider(stopAfter(c.rounds), bytesPerSecond(125_000)),
      dirtyTracking: c.tracked,
      memory: bytes(TOTAL * 4096),
      rtt: seconds(0.05),
      startedAt: seconds(0),
      deadline: seconds(1e6),
      predictedTotal: undefined,
      clock: w.clock,
      log: (e) => events.push(e),
      hooks: undefined,
      runningOn: 'cluster-a/host-1',
    });

    expect(w.problems).toEqual([]);
    // the commands that matter, literally
    expect(picked(w.log)).toEqual({
      runc: c.runc,
      pagedelta: c.pagedelta,
      removedOnSource: c.removedOnSource,
      sends: c.sends,
    });
    // and the whole sequence, nothing else issued
    expect(w.log).toEqual(expectedPrecopyLog(c.tracked, c.first, c.rounds));

    const lastIndex = c.first + c.rounds - 1;
    expect(r.last).toEqual({ index: lastIndex, dir: R(lastIndex) });
    expect(r.rounds.map((x) => [x.index, x.pagesSent])).toEqual(
      Array.from({ length: c.rounds }, (_, k) => [c.first + k, k === 0 ? TOTAL : DIRTY]),
    );
    expect(r.decision.action).toBe('switch-over');
    expect(events.map((e) => e.round)).toEqual(Array.from({ length: c.rounds }, (_, k) => k + 1));
    // what is left: tracked keeps the chain on the source; the target holds only the last round
    expect([...w.src].filter(([, d]) => d.image).map(([p]) => p)).toEqual(c.keptOnSource);
    expect([...w.tgt]).toEqual([TR(lastIndex)]);
    expect(w.srcFiles.size).toBe(0);
    expect(w.running).toBe(true);
  });
});
