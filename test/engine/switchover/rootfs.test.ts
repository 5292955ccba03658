import type { FsChange } from '../../../provider/hosts/container-runtime';
import { planRootfs, whiteoutArgv } from '../../../provider/engine/switchover/rootfs';
import { TransferFailed } from '../../../provider/errors';

const c = (kind: FsChange['kind'], p: string): FsChange => ({ kind, path: p });

describe('planRootfs', () => {
  it.each<[string, FsChange[], string[], string[]]>([
    [
      'a new file in a changed dir',
      [c('changed', '/data'), c('added', '/data/marker')],
      ['/data/marker'],
      [],
    ],
    [
      'a new dir with its files',
      [c('added', '/srv'), c('added', '/srv/a'), c('added', '/srv/b')],
      ['/srv'],
      [],
    ],
    ['a changed file', [c('changed', '/etc'), c('changed', '/etc/passwd')], ['/etc/passwd'], []],
    ['a changed dir alone (metadata)', [c('changed', '/var')], ['/var'], []],
    [
      'deletions below a deleted dir',
      [c('deleted', '/opt'), c('deleted', '/opt/x'), c('changed', '/')],
      [],
      ['/opt'],
    ],
    ['engine-managed files skipped', [c('changed', '/etc/hosts'), c('changed', '/etc/resolv.conf')], [], []],
    ['nothing', [], [], []],
    ['relative paths are not carried', [c('added', 'rel'), c('deleted', 'x/y')], [], []],
  ])('%s', (_name, changes, copy, remove) => {
    expect(planRootfs(changes)).toEqual({ copy, remove });
  });
});

describe('whiteoutArgv', () => {
  it('replaces the path by a 0/0 character device inside the layer', () => {
    expect(whiteoutArgv('/d/upper', '/opt/x')).toEqual([
      'sh',
      '-c',
      'rm -rf -- "$1" && mknod "$1" c 0 0',
      'sh',
      '/d/upper/opt/x',
    ]);
  });
  it.each([['/'], ['/../etc']])('refuses %j', (p) =>
    expect(() => whiteoutArgv('/d/upper', p)).toThrow(TransferFailed),
  );
});
