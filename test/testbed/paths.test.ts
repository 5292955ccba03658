import { InvalidInput } from '../../provider/errors';
import { defaultStateDir, testbedPaths } from '../../testbed/paths';

describe('state dir', () => {
  it.each([
    [{}, '/var/lib/ferry/testbed'],
    [{ FERRY_TESTBED_DIR: '' }, '/var/lib/ferry/testbed'],
    [{ FERRY_TESTBED_DIR: '/tmp/bed/' }, '/tmp/bed'],
  ])('env %j -> %s', (env, dir) => expect(defaultStateDir(env)).toBe(dir));

  it.each(['relative/dir', '/', `/${'x'.repeat(70)}`])('rejects %s', (dir) => {
    expect(() => testbedPaths(dir)).toThrow(InvalidInput);
  });

  it('keeps every unix socket path under 108 bytes at the longest state dir', () => {
    const p = testbedPaths(`/${'x'.repeat(59)}`);
    const h = p.host({ name: 'cluster-d', hostName: 'host-1' });
    for (const s of [`${h.containerdSocket}.ttrpc`, h.dockerSocket, p.relayControlSocket]) {
      expect(Buffer.byteLength(s)).toBeLessThan(108);
    }
  });
});
