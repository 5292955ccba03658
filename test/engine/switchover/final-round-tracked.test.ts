/**
 * The final round, tracked (soft-dirty) and untracked, driven through the REAL `finalRound()` against the
 * strict scripted fakes of fake-shell.ts and fake-hosts.ts: the last dump, its delta and its send, and the
 * root file-system changes copied alongside.
 */
import { posix } from 'node:path';
import { Readable } from 'node:stream';
import { finalRound } from '../../../provider/engine/switchover/final-round';
import type { ContainerInfo, PathArchive } from '../../../provider/hosts/container-runtime';
import { bytes, bytesPerSecond, seconds } from '../../../provider/units';
import { fakePath, roundsSource, roundsTarget } from '../fake-hosts';
import {
  CK,
  diffArgv,
  fakeHost,
  ID,
  NAME,
  PD,
  R,
  runcArgv,
  S,
  src,
  T,
  TOTAL,
  TR,
  World,
  MKDIR_PREFIX,
} from '../fake-shell';

interface FinalCase {
  readonly tracked: boolean;
  readonly last: { readonly index: number; readonly dir: string } | undefined;
  /** Dumps on the source before the final round (tracked: the chain pre-copy kept). */
  readonly chain: readonly string[];
  readonly runcExtra: readonly string[];
  readonly pagedelta: readonly string[];
  readonly send: readonly string[];
}

describe('finalRound: the last dump and its delta', () => {
  const CONTAINER: ContainerInfo = {
    id: ID,
    name: 'dirtier',
    image: 'ferry/dirtier:latest',
    imageId: `sha256:${'ab'.repeat(32)}`,
    state: 'running',
    pid: 4242,
    exitCode: 0,
    created: '2024-01-01T00:00:00Z',
    startedAt: '2024-01-01T00:00:01Z',
    labels: {},
    mounts: [],
    graphDriver: { name: 'overlay2', data: {} },
    spec: { image: 'ferry/dirtier:latest' },
    carryProblems: [],
    publishedPorts: [],
  };

  it.each<[string, FinalCase]>([
    [
      'tracked, after 4 pre-copy rounds: a full dump with last as parent, sent with diff-tracked',
      {
        tracked: true,
        last: { index: 3, dir: R(3) },
        chain: [R(0), R(1), R(2), R(3)],
        runcExtra: ['--parent-path', '../../../../../../../w/ferry-m1/rounds/3'],
        pagedelta: ['diff-tracked', CK],
        send: ['apply', '4'],
      },
    ],
    [
      'tracked, stop-and-copy (no last): a plain full dump sent whole',
      {
        tracked: true,
        last: undefined,
        chain: [],
        runcExtra: [],
        pagedelta: ['diff', '-', CK],
        send: ['full', '1'],
      },
    ],
    [
      'untracked, after pre-copy: a plain dump diffed against last',
      {
        tracked: false,
        last: { index: 3, dir: R(3) },
        chain: [R(3)],
        runcExtra: [],
        pagedelta: ['diff', R(3), CK],
        send: ['apply', '4'],
      },
    ],
  ])('%s', async (_name, c) => {
    const w = new World();
    w.seedChain(c.chain, c.tracked);
    if (c.last !== undefined) w.tgt.add(TR(c.last.index));
    const source = fakeHost(w, 'src', roundsSource(w), {
      changes: (id) => {
        w.log.push(['src-engine', 'changes', id]);
        return Promise.resolve([{ kind: 'added', path: '/data/state.db' }]);
      },
      exportPaths: (id, paths) => {
        w.log.push(['src-engine', 'exportPaths', id, ...paths]);
        return (async function* (): AsyncGenerator<PathArchive> {
          for (const p of paths)
            yield { path: p, parentDir: posix.dirname(p), tar: Readable.from([Buffer.from(`tar:${p}`)]) };
        })();
      },
    });
    const target = fakeHost(w, 'tgt', roundsTarget(w), {
      putArchive: async (id, dir, tar) => {
        const chunks: Buffer[] = [];
        for await (const chunk of tar) chunks.push(chunk as Buffer);
        w.log.push(['tgt-engine', 'putArchive', id, dir, Buffer.concat(chunks).toString()]);
      },
    });

    const r = await finalRound({
      source,
      target,
      container: CONTAINER,
      targetId: 'target-id',
      checkpointName: NAME,
      sourceDir: S,
      targetDir: T,
      pagedelta: PD,
      path: fakePath(w),
      last: c.last,
      dirtyTracking: c.tracked,
      memory: bytes(TOTAL * 4096),
      bandwidth: bytesPerSecond(12_500_000),
      rtt: seconds(0.05),
      onFrozen: async () => {
        w.log.push(['frozen']);
      },
      clock: w.clock,
      hooks: undefined,
      sourceLabel: 'cluster-a/host-1',
    });

    expect(w.problems).toEqual([]);
    const file = `${S}/delta-final`;
    // sequential part: no --leave-running, no --pre-dump; the container stops here
    expect(w.log.slice(0, 4)).toEqual([
      src(...MKDIR_PREFIX, CK, `${S}/work-final`),
      runcArgv(CK, `${S}/work-final`, [...c.runcExtra, '--file-locks']),
      ['frozen'],
      diffArgv(file, ...c.pagedelta),
    ]);
    // then the delta and the root file-system changes, in parallel (order within each only)
    const rest = w.log.slice(4);
    expect(rest.filter((e) => e[0] === 'src' || e[0] === 'path')).toEqual([
      ['path', file, ...c.send],
      src('rm', '-f', '--', file),
    ]);
    expect(rest.filter((e) => e[0] === 'src-engine' || e[0] === 'tgt-engine')).toEqual([
      ['src-engine', 'changes', ID],
      ['src-engine', 'exportPaths', ID, '/data/state.db'],
      ['tgt-engine', 'putArchive', 'target-id', '/data', 'tar:/data/state.db'],
    ]);
    expect(rest).toHaveLength(5);

    expect(w.running).toBe(false);
    const index = (c.last?.index ?? 0) + 1;
    expect(r.round).toMatchObject({ index, kind: 'final' });
    expect(r.sourceImageDir).toBe(CK);
    expect(r.targetImageDir).toBe(TR(index));
    expect(w.tgt.has(TR(index))).toBe(true);
    expect(r.rootfs.plan).toEqual({ copy: ['/data/state.db'], remove: [] });
    // tracked: the final dump's parent link points into the kept chain
    expect(w.src.get(CK)?.parent).toBe(c.tracked ? c.last?.dir : undefined);
  });
});
