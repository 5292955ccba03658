import {
  attribute,
  idStartMs,
  keyMarkers,
  migrationIdOf,
  newItems,
  withoutKeyLines,
  type FootprintItem,
} from '../../../testbed/faults/footprint';

const ID = '20261204-014259-f67fb5';
const dir: FootprintItem = { kind: 'path', what: 'migration dir', path: `/w/ferry-${ID}` };
const key: FootprintItem = { kind: 'key-line', file: '/k/id.pub', marker: `ferry-migration-${ID}` };
const proc: FootprintItem = {
  kind: 'process',
  pid: 42,
  cmd: `ssh -o ControlPath=/w/ferry-${ID}/ssh-control x`,
};
const old: FootprintItem = {
  kind: 'path',
  what: 'pages dir',
  path: '/tmp/ferry-pages-ferry-20250101-000000-aaaaaa-123',
};

describe('newItems', () => {
  it.each<[string, FootprintItem[], FootprintItem[], FootprintItem[]]>([
    ['nothing new', [old], [old], []],
    ['a dir, a key line and a process left', [old], [old, dir, key, proc], [dir, key, proc]],
    ['something removed is not a leftover', [old, dir], [], []],
    [
      'same pid, other command: a new process',
      [proc],
      [{ ...proc, cmd: 'sh receive.sh ferry-x' }],
      [{ ...proc, cmd: 'sh receive.sh ferry-x' }],
    ],
  ])('%s', (_what, before, after, expected) => {
    expect(newItems(before, after)).toEqual(expected);
  });
});

describe('migrationIdOf', () => {
  it.each<[FootprintItem, string | undefined]>([
    [dir, ID],
    [key, ID],
    [proc, ID],
    [{ kind: 'process', pid: 1, cmd: 'dockerd --data-root /x' }, undefined],
  ])('%j', (item, id) => {
    expect(migrationIdOf(item)).toBe(id);
  });
});

describe('authorized_keys lines', () => {
  const text = [
    'ssh-ed25519 AAAA client',
    `restrict,command="sh /w/ferry-${ID}/receive.sh" ssh-ed25519 BBBB ferry-migration-${ID}`,
    'restrict,command="sh /w/ferry-x/receive.sh" ssh-ed25519 CCCC ferry-migration-20261204-014300-000000',
    '',
  ].join('\n');

  it('finds the per-migration markers', () => {
    expect(keyMarkers(text)).toEqual([`ferry-migration-${ID}`, 'ferry-migration-20261204-014300-000000']);
  });

  it('removes only the lines of the given markers', () => {
    expect(withoutKeyLines(text, [`ferry-migration-${ID}`]).split('\n')).toEqual([
      'ssh-ed25519 AAAA client',
      'restrict,command="sh /w/ferry-x/receive.sh" ssh-ed25519 CCCC ferry-migration-20261204-014300-000000',
      '',
    ]);
  });
});

describe('attribute (the trial leaves nothing, and never touches what others left)', () => {
  const at = Date.UTC(2026, 11, 4, 1, 42, 59);
  const refused = '20261204-014300-aaaaaa';
  const foreign = '20261204-020000-bbbbbb';
  const item = (id: string): FootprintItem => ({
    kind: 'path',
    what: 'migration dir',
    path: `/w/ferry-${id}`,
  });
  it.each<[string, boolean, string[], string[]]>([
    [
      'an id without journal that started while its controller ran, unshared bed',
      false,
      [ID, refused],
      [foreign],
    ],
    ['the same on a shared bed: only journal ids are its own', true, [ID], [refused, foreign]],
  ])('%s', (_what, shared, mine, others) => {
    const r = attribute([item(ID), item(refused), item(foreign)], {
      ids: new Set([ID]),
      windows: [[at, at + 5000]],
      shared,
    });
    expect(r.mine.map(migrationIdOf)).toEqual(mine);
    expect(r.others.map(migrationIdOf)).toEqual(others);
  });

  it('reads the start time of an id', () => {
    expect(idStartMs(ID)).toBe(at);
    expect(idStartMs('nope')).toBeUndefined();
  });
});
