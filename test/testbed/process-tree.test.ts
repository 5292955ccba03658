import { killSet, parseStat, type ProcInfo } from '../../testbed/process-tree';

describe('parseStat', () => {
  it.each([
    ['123 (dockerd) S 1 123 123 0 -1', { pid: 123, comm: 'dockerd', state: 'S', ppid: 1 }],
    ['77 (my (odd) name) R 5 77 77', { pid: 77, comm: 'my (odd) name', state: 'R', ppid: 5 }],
    ['9 (x) Z 1 9', { pid: 9, comm: 'x', state: 'Z', ppid: 1 }],
  ])('%s', (text, expected) => expect(parseStat(text)).toEqual(expected));
  it.each(['', 'garbage', '12 (x'])('rejects %j', (text) => expect(parseStat(text)).toBeUndefined());
});

describe('killSet', () => {
  const p = (pid: number, ppid: number, netnsInode: number | undefined, state = 'S'): ProcInfo => ({
    pid,
    ppid,
    netnsInode,
    state,
  });
  const procs: ProcInfo[] = [
    p(1, 0, 100),
    p(10, 1, 500), // containerd in the bed's namespace
    p(11, 1, 500), // shim
    p(12, 11, 900), // container process, own namespace
    p(13, 12, 900), // its child
    p(20, 1, 100), // unrelated
    p(21, 20, 100),
    p(30, 1, 100), // in the bed's cgroup only
    p(31, 11, undefined, 'Z'), // zombie child of the shim
    p(40, 1, 500), // ourselves
  ];

  it.each([
    ['namespace members and all their descendants', new Set([500]), new Set<number>(), [10, 11, 12, 13]],
    ['plus cgroup members', new Set([500]), new Set([30]), [10, 11, 12, 13, 30]],
    ['nothing for an unknown namespace', new Set([7]), new Set<number>(), []],
    ['never pid 1', new Set([100]), new Set<number>(), [20, 21, 30]],
  ])('%s', (_what, ns, extra, expected) => {
    expect(killSet(procs, ns, extra, 40)).toEqual(expected);
  });
});
