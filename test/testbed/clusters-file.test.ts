import { InvalidInput } from '../../provider/errors';
import { clusterPlans } from '../../testbed/address-plan';
import { buildClustersFile } from '../../testbed/clusters-file';
import { testbedPaths } from '../../testbed/paths';

const paths = testbedPaths('/var/lib/ferry/testbed');
const keys = new Map(['a', 'b', 'c', 'd'].map((x) => [`cluster-${x}`, `ssh-ed25519 K${x}`]));

describe('buildClustersFile', () => {
  it.each([2, 3, 4])('has %d clusters of one host each, every peer across the WAN', (n) => {
    const f = buildClustersFile(clusterPlans(n), paths, keys);
    expect(f.clusters).toHaveLength(n);
    for (const c of f.clusters) {
      expect(c.hosts).toHaveLength(1);
      expect(Object.keys(c.hosts[0]!.peers ?? {})).toHaveLength(n - 1);
    }
  });

  it('fills host a of a 2-cluster bed', () => {
    const host = buildClustersFile(clusterPlans(2), paths, keys).clusters[0]!.hosts[0]!;
    expect(host).toEqual({
      name: 'host-1',
      address: '198.18.1.2',
      port: 22,
      user: 'ferry-testbed',
      privateKeyPath: '/var/lib/ferry/testbed/keys/id_ed25519',
      hostKey: 'ssh-ed25519 Ka',
      dockerSocket: '/var/lib/ferry/testbed/cluster-a/host-1/docker.sock',
      dockerDataRoot: '/var/lib/ferry/testbed/cluster-a/host-1/docker',
      runtimeRoot: '/var/lib/ferry/testbed/cluster-a/host-1/exec/runtime-runc/moby',
      authorizedKeysFile: '/var/lib/ferry/testbed/keys/id_ed25519.pub',
      workDir: '/var/lib/ferry/testbed/cluster-a/host-1/work',
      peers: { 'cluster-b/host-1': { address: '198.18.1.12', port: 22 } },
    });
  });

  it('needs every host key', () => {
    expect(() => buildClustersFile(clusterPlans(2), paths, new Map())).toThrow(InvalidInput);
  });
});
