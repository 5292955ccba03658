import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { posix } from 'node:path';
import { InvalidInput } from '../../../provider/errors';
import {
  dfAvailArgv,
  duArgv,
  mkdirArgv,
  parseDfAvail,
  parseDu,
  removeFilesArgv,
  removeUnderArgv,
  tailArgv,
  tarCreateArgv,
  tarExtractArgv,
} from '../../../provider/hosts/commands/files';
import { isStrictlyInside } from '../../../provider/hosts/commands/validate';

describe('removeUnderArgv', () => {
  it.each([
    ['/var/lib/ferry', '/var/lib/ferry/m1', '/var/lib/ferry/m1'],
    ['/var/lib/ferry/', '/var/lib/ferry/m1/round-1/', '/var/lib/ferry/m1/round-1'],
    ['/var/lib/ferry', '/var/lib/ferry/./m1//x', '/var/lib/ferry/m1/x'],
    ['/var/lib/ferry', '/var/lib/ferry/a/../b', '/var/lib/ferry/b'],
  ])('allows %s + %s', (base, path, target) => {
    expect(removeUnderArgv(base, path)).toEqual(['rm', '-rf', '--one-file-system', '--', target]);
  });

  it.each([
    ['the base itself', '/var/lib/ferry', '/var/lib/ferry'],
    ['the base with a trailing slash', '/var/lib/ferry', '/var/lib/ferry/'],
    ['the base via dot', '/var/lib/ferry', '/var/lib/ferry/.'],
    ['a parent', '/var/lib/ferry', '/var/lib'],
    ['root', '/var/lib/ferry', '/'],
    ['a .. escape', '/var/lib/ferry', '/var/lib/ferry/../../etc'],
    ['a sibling with the same prefix', '/var/lib/ferry', '/var/lib/ferry-other/x'],
    ['a relative path', '/var/lib/ferry', 'm1'],
    ['anything under root as base', '/', '/etc'],
    ['a NUL byte', '/var/lib/ferry', '/var/lib/ferry/a\0b'],
  ])('refuses %s', (_, base, path) => {
    expect(() => removeUnderArgv(base, path)).toThrow(InvalidInput);
  });

  it('never lets a path out of its base, whatever the segments (property)', () => {
    const segment = fc.constantFrom('..', '.', '', 'a', 'b', 'ferry', 'ferry-x');
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 8 }), (segs) => {
        const base = '/srv/ferry';
        const path = `${base}/${segs.join('/')}`;
        let argv: string[] | undefined;
        try {
          argv = removeUnderArgv(base, path);
        } catch (e) {
          expect(e).toBeInstanceOf(InvalidInput);
          return;
        }
        const target = argv[argv.length - 1]!;
        expect(target.startsWith(`${base}/`)).toBe(true);
        expect(posix.normalize(target)).toBe(target);
        expect(isStrictlyInside(base, target)).toBe(true);
      }),
    );
  });
});

describe('other file commands', () => {
  it('mkdir creates dirs nobody else can read (they hold memory images)', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-mkdir-'));
    try {
      const argv = mkdirArgv(path.join(root, 'a', 'b'));
      execFileSync(argv[0]!, argv.slice(1));
      expect(fs.statSync(path.join(root, 'a')).mode & 0o777).toBe(0o700);
      expect(fs.statSync(path.join(root, 'a', 'b')).mode & 0o777).toBe(0o700);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('builds mkdir, tar, du and df', () => {
    const mk = ['sh', '-c', 'umask 077 && exec mkdir -p -- "$@"', 'sh'];
    expect(mkdirArgv('/a/b')).toEqual([...mk, '/a/b']);
    expect(mkdirArgv('/a/b', '/c')).toEqual([...mk, '/a/b', '/c']);
    expect(() => mkdirArgv('/a', 'rel')).toThrow(InvalidInput);
    expect(tarCreateArgv({ dir: '/img' })).toEqual([
      'tar',
      '-C',
      '/img',
      '-cf',
      '-',
      '--numeric-owner',
      '--',
      '.',
    ]);
    expect(tarCreateArgv({ dir: '/img', paths: ['pages-1.img', '-odd'], sparse: true })).toEqual([
      'tar',
      '-C',
      '/img',
      '-cf',
      '-',
      '--numeric-owner',
      '--sparse',
      '--',
      'pages-1.img',
      '-odd',
    ]);
    expect(tarExtractArgv('/dst')).toEqual(['tar', '-C', '/dst', '-xf', '-', '--numeric-owner']);
    expect(duArgv('/img')).toEqual(['du', '-sb', '--', '/img']);
    expect(dfAvailArgv('/var')).toEqual(['df', '-B1', '--output=avail', '--', '/var']);
  });

  it.each([[[]], [['/abs']], [['']]])('refuses tar members %j', (paths) => {
    expect(() => tarCreateArgv({ dir: '/img', paths })).toThrow(InvalidInput);
  });

  it('parses du and df output', () => {
    expect(parseDu('268435456\t/var/lib/ferry/m1\n')).toBe(268435456);
    expect(parseDfAvail('   Avail\n81234567168\n')).toBe(81234567168);
  });

  it.each(['', 'du: cannot access', '12x\t/p'])('rejects du output %j', (out) => {
    expect(() => parseDu(out)).toThrow(InvalidInput);
  });

  it.each(['', 'Avail\n', '123\n'])('rejects df output %j', (out) => {
    expect(() => parseDfAvail(out)).toThrow(InvalidInput);
  });
});

describe('removeFilesArgv and tailArgv', () => {
  it('removes files by absolute path only', () => {
    expect(removeFilesArgv('/w/a', '/w/b c')).toEqual(['rm', '-f', '--', '/w/a', '/w/b c']);
    expect(() => removeFilesArgv('-rf')).toThrow(InvalidInput);
  });

  it.each([0, -1, 1.5])('tail refuses %p lines', (n) => {
    expect(() => tailArgv(n, '/w/dump.log')).toThrow(InvalidInput);
  });

  it('tails the last lines of a file', () => {
    expect(tailArgv(12, '/w/dump.log')).toEqual(['tail', '-n', '12', '--', '/w/dump.log']);
    expect(() => tailArgv(12, 'dump.log')).toThrow(InvalidInput);
  });
});
