import { InvalidInput } from '../../../provider/errors';
import {
  appendAuthorizedKeyArgv,
  authorizedKeyLine,
  directSshArgv,
  keyComment,
  knownHostsLine,
  peerEndpoint,
  peerAddress,
  removeAuthorizedKeyArgv,
  replaceAuthorizedKeyArgv,
  withStdinFromArgv,
} from '../../../provider/engine/data-path/data-path-commands';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHxIAWZDei7jKntEmv8GfnA+o58j42hzNy05y2xwHTl9 someone@x';

describe('data path commands', () => {
  it('binds the key to the receiver with restrict and a forced command', () => {
    expect(authorizedKeyLine(KEY, '/w/ferry-m1', 'm1', new Date('2026-12-04T03:25:41.5Z'))).toMatch(
      /^restrict,expiry-time="202612040325Z",command="sh \/w\/ferry-m1\/receive.sh" /,
    );
    expect(authorizedKeyLine(KEY, '/w/ferry-m1', 'm1')).toBe(
      'restrict,command="sh /w/ferry-m1/receive.sh" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHxIAWZDei7jKntEmv8GfnA+o58j42hzNy05y2xwHTl9 ferry-migration-m1',
    );
  });

  it.each([
    ['not a key', '/w/x', 'm1'],
    [KEY, '/w/x y', 'm1'],
    [KEY, '/w/"x', 'm1'],
    [KEY, 'relative', 'm1'],
    [KEY, '/w/../etc', 'm1'],
    [KEY, '/w/x', 'bad id'],
  ])('refuses key %#', (key, dir, id) => {
    expect(() => authorizedKeyLine(key, dir, id)).toThrow(InvalidInput);
  });

  it.each([
    [{ address: '198.18.1.12', port: 22 }, '198.18.1.12 ssh-ed25519 AAAA'],
    [{ address: '10.0.0.1', port: 2222 }, '[10.0.0.1]:2222 ssh-ed25519 AAAA'],
  ])('known_hosts line for %j', (ep, line) => {
    expect(knownHostsLine(ep, 'ssh-ed25519 AAAA')).toBe(line);
  });

  it('prefers the peer entry, else the target address', () => {
    const target = { name: 'host-1', address: '198.18.2.2', port: 22 } as never;
    const withPeer = { peers: { 'cluster-b/host-1': { address: '198.18.1.12', port: 22 } } } as never;
    expect(peerEndpoint(withPeer, 'cluster-b', target)).toEqual({ address: '198.18.1.12', port: 22 });
    expect(peerEndpoint({} as never, 'cluster-b', target)).toEqual({ address: '198.18.2.2', port: 22 });
  });

  it('builds a strict, batch ssh argv with the words last', () => {
    const argv = directSshArgv(
      {
        keyFile: '/w/k',
        knownHostsFile: '/w/kh',
        endpoint: { address: '198.18.1.12', port: 22 },
        user: 'root',
        connectTimeout: 10,
      },
      ['apply', '3'],
    );
    expect(argv.slice(0, 5)).toEqual(['ssh', '-F', '/dev/null', '-i', '/w/k']);
    expect(argv).toEqual(
      expect.arrayContaining(['StrictHostKeyChecking=yes', 'BatchMode=yes', 'UserKnownHostsFile=/w/kh']),
    );
    expect(argv.slice(-5)).toEqual(['-l', 'root', '198.18.1.12', 'apply', '3']);
  });

  it('feeds a file as stdin without quoting', () => {
    expect(withStdinFromArgv('/w/delta-1', ['ssh', 'x'])).toEqual([
      'sh',
      '-c',
      'f=$1; shift; exec "$@" < "$f"',
      'sh',
      '/w/delta-1',
      'ssh',
      'x',
    ]);
  });

  it.each([['a b'], ['../x'], ['-x']])('refuses authorized_keys file %s', (f) => {
    expect(() => appendAuthorizedKeyArgv(f, 'line')).toThrow(InvalidInput);
    expect(() => removeAuthorizedKeyArgv(f, keyComment('m1'))).toThrow(InvalidInput);
  });

  it('removes by the migration marker', () => {
    const argv = removeAuthorizedKeyArgv('.ssh/authorized_keys', keyComment('m1'));
    expect(argv.slice(-2)).toEqual(['.ssh/authorized_keys', 'ferry-migration-m1']);
  });

  it('adds from= with the peer address, and refuses anything that is not an address', () => {
    expect(authorizedKeyLine(KEY, '/w/ferry-m1', 'm1', undefined, '198.18.1.11')).toMatch(
      /^restrict,from="198.18.1.11",command="sh /,
    );
    expect(peerAddress('fd00::1:2\n')).toBe('fd00::1:2');
  });

  it.each([['198.18.1.256'], ['*'], ['10.0.0.1,1.2.3.4'], ['!10.0.0.1'], [''], ['host.example'], ['"x']])(
    'refuses peer address %j',
    (a) => {
      expect(() => peerAddress(a)).toThrow(InvalidInput);
    },
  );

  describe('replaceAuthorizedKeyArgv, run by sh on a real file', () => {
    let home: string;
    beforeEach(() => {
      home = mkdtempSync(join(tmpdir(), 'ferry-ak-'));
    });
    afterEach(() => rmSync(home, { recursive: true, force: true }));
    const sh = (argv: string[]): number | null =>
      spawnSync(argv[0]!, argv.slice(1), { env: { HOME: home, PATH: process.env.PATH } }).status;

    it('replaces only the marked line, keeps the others and the mode', () => {
      const file = join(home, 'ak');
      writeFileSync(file, 'ssh-ed25519 AAAA user@a\nrestrict ssh-ed25519 BBBB ferry-migration-m1\nlast\n', {
        mode: 0o600,
      });
      expect(
        sh(replaceAuthorizedKeyArgv('ak', 'ferry-migration-m1', 'from="1.2.3.4" k ferry-migration-m1')),
      ).toBe(0);
      expect(readFileSync(file, 'utf8')).toBe(
        'ssh-ed25519 AAAA user@a\nlast\nfrom="1.2.3.4" k ferry-migration-m1\n',
      );
      expect(statSync(file).mode & 0o777).toBe(0o600);
    });

    it('exits 3 and changes nothing when no line carries the marker', () => {
      writeFileSync(join(home, 'ak'), 'other\n');
      expect(sh(replaceAuthorizedKeyArgv('ak', 'ferry-migration-m1', 'x ferry-migration-m1'))).toBe(3);
      expect(readFileSync(join(home, 'ak'), 'utf8')).toBe('other\n');
    });

    it('refuses a line without the marker (it could never be removed again)', () => {
      expect(() => replaceAuthorizedKeyArgv('ak', 'ferry-migration-m1', 'x')).toThrow(InvalidInput);
    });
  });
});
