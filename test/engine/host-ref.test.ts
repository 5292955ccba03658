import { resolveHostRef } from '../../provider/engine/host-ref';
import { InvalidInput } from '../../provider/errors';
import type { ClustersFile } from '../../provider/config/clusters';

const h = (name: string) => ({
  name,
  address: '1.2.3.4',
  port: 22,
  user: 'root',
  hostKey: 'k',
  dockerSocket: '/s',
  workDir: '/w',
});
const file: ClustersFile = {
  clusters: [
    { name: 'cluster-a', hosts: [h('host-1'), h('host-2')] },
    { name: 'cluster-b', hosts: [h('host-1')] },
  ],
};

describe('resolveHostRef', () => {
  it.each([
    ['cluster-a', 'cluster-a', 'host-1'],
    ['cluster-a/host-2', 'cluster-a', 'host-2'],
    ['cluster-b/host-1', 'cluster-b', 'host-1'],
  ])('%s', (spec, cluster, host) => {
    const r = resolveHostRef(file, spec);
    expect([r.cluster, r.host.name]).toEqual([cluster, host]);
  });
  it.each([['cluster-c'], ['cluster-a/host-9'], ['cluster-a/host-1/x'], ['']])('refuses %j', (spec) =>
    expect(() => resolveHostRef(file, spec)).toThrow(InvalidInput),
  );
});
