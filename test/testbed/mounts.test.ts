import { mountsUnder, unescapeMountPath } from '../../testbed/mounts';

const line = (id: number, point: string): string => `${id} 1 0:1 / ${point} rw,relatime - overlay overlay rw`;

describe('mountsUnder', () => {
  const info = [
    line(20, '/'),
    line(30, '/var/lib/ferry/testbed/cluster-a/host-1/docker'),
    line(31, '/var/lib/ferry/testbed/cluster-a/host-1/docker/overlay2/abc/merged'),
    line(32, '/var/lib/ferry/testbed/cluster-a/host-1/exec/netns/xyz'),
    line(33, '/var/lib/ferry/testbed-other/x'),
    line(34, '/var/lib/ferry/testbed/with\\040space'),
    line(35, '/var/lib/ferry/testbed/cluster-a/host-1/docker'),
  ].join('\n');

  it('lists only mounts at or under the dir, deepest and latest first', () => {
    expect(mountsUnder(info, '/var/lib/ferry/testbed')).toEqual([
      '/var/lib/ferry/testbed/cluster-a/host-1/docker/overlay2/abc/merged',
      '/var/lib/ferry/testbed/cluster-a/host-1/exec/netns/xyz',
      '/var/lib/ferry/testbed/cluster-a/host-1/docker',
      '/var/lib/ferry/testbed/cluster-a/host-1/docker',
      '/var/lib/ferry/testbed/with space',
    ]);
  });

  it.each([
    ['/a\\040b', '/a b'],
    ['/tab\\011x', '/tab\tx'],
    ['/plain', '/plain'],
  ])('unescapes %s', (raw, decoded) => expect(unescapeMountPath(raw)).toBe(decoded));
});
