import { InvalidInput } from '../../../provider/errors';
import {
  appendAuthorizedKeyArgv,
  authorizedKeyLine,
  directSshArgv,
  keyComment,
  knownHostsLine,
  peerEndpoint,
  removeAuthorizedKeyArgv,
  withStdinFromArgv,
} from '../../../provider/engine/data-path/data-path-commands';

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
});
