import { InvalidInput } from '../../provider/errors';
import {
  clusterPlan,
  clusterPlans,
  inTestbedRange,
  linkId,
  linkPlan,
  linkPlans,
  peerAddress,
  relayRoutes,
  resolveCluster,
  validateClusterCount,
} from '../../testbed/address-plan';

describe('clusterPlan', () => {
  it.each([
    [1, 'cluster-a', 'ferry-c1', '198.18.1.2', '198.18.1.1', 'c1'],
    [2, 'cluster-b', 'ferry-c2', '198.18.2.2', '198.18.2.1', 'c2'],
    [4, 'cluster-d', 'ferry-c4', '198.18.4.2', '198.18.4.1', 'c4'],
  ])('cluster %d is %s in %s at %s (gateway %s, WAN if %s)', (k, name, netns, host, wan, wif) => {
    const c = clusterPlan(k);
    expect(c).toMatchObject({ name, netns, hostAddress: host, wanAddress: wan, wanInterface: wif });
    expect(c.hostKey).toBe(`${name}/host-1`);
    expect(c.cgroupParent).toBe(`/${netns}`);
  });

  it.each([0, 5, 1.5, -1])('rejects index %p', (k) => {
    expect(() => clusterPlan(k)).toThrow(InvalidInput);
  });
});

describe('validateClusterCount', () => {
  it.each([2, 3, 4])('accepts %d', (n) => expect(validateClusterCount(n)).toBe(n));
  it.each([1, 5, 2.5, NaN])('rejects %p', (n) => expect(() => validateClusterCount(n)).toThrow(InvalidInput));
});

describe('resolveCluster', () => {
  it.each([
    ['cluster-b', 2],
    ['b', 2],
    ['B', 2],
    ['2', 2],
    [' cluster-a ', 1],
    ['d', 4],
  ])('%p -> cluster %d', (text, k) => expect(resolveCluster(text).index).toBe(k));

  it.each([
    ['cluster-c', 2],
    ['e', 4],
    ['0', 4],
    ['cluster-', 4],
    ['', 4],
  ])('rejects %p in a bed of %d', (text, count) => {
    expect(() => resolveCluster(text, count)).toThrow(InvalidInput);
  });
});

describe('peer addresses', () => {
  it.each([
    [1, 2, '198.18.1.12'],
    [2, 1, '198.18.2.11'],
    [3, 4, '198.18.3.14'],
    [4, 1, '198.18.4.11'],
  ])('cluster %d reaches cluster %d at %s', (from, to, addr) => {
    expect(peerAddress(clusterPlan(from), clusterPlan(to))).toBe(addr);
  });
});

describe('links', () => {
  it.each([
    [2, ['cluster-a<->cluster-b']],
    [3, ['cluster-a<->cluster-b', 'cluster-a<->cluster-c', 'cluster-b<->cluster-c']],
    [
      4,
      [
        'cluster-a<->cluster-b',
        'cluster-a<->cluster-c',
        'cluster-a<->cluster-d',
        'cluster-b<->cluster-c',
        'cluster-b<->cluster-d',
        'cluster-c<->cluster-d',
      ],
    ],
  ])('a bed of %d clusters has links %j', (n, ids) => {
    expect(linkPlans(n).map((l) => l.id)).toEqual(ids);
    expect(clusterPlans(n)).toHaveLength(n);
  });

  it('orders the pair and names it the same either way', () => {
    expect(linkPlan(clusterPlan(3), clusterPlan(1)).id).toBe('cluster-a<->cluster-c');
    expect(linkId('cluster-c', 'cluster-a')).toBe('cluster-a<->cluster-c');
    expect(() => linkPlan(clusterPlan(2), clusterPlan(2))).toThrow(InvalidInput);
  });
});

describe('relayRoutes', () => {
  it('listens in the dialler subnet, dials the target host, binds in the target subnet', () => {
    const routes = relayRoutes(2, [22, 7]);
    expect(routes).toHaveLength(4);
    expect(routes).toContainEqual({
      link: 'cluster-a<->cluster-b',
      listenAddress: '198.18.1.12',
      port: 22,
      targetAddress: '198.18.2.2',
      bindAddress: '198.18.2.11',
    });
    expect(routes).toContainEqual({
      link: 'cluster-a<->cluster-b',
      listenAddress: '198.18.2.11',
      port: 7,
      targetAddress: '198.18.1.2',
      bindAddress: '198.18.1.12',
    });
  });

  it.each([
    [2, 1, 2],
    [3, 1, 6],
    [4, 2, 24],
  ])('%d clusters x %d ports -> %d routes, all listen addresses distinct per port', (n, ports, total) => {
    const routes = relayRoutes(n, [22, 7].slice(0, ports));
    expect(routes).toHaveLength(total);
    expect(new Set(routes.map((r) => `${r.listenAddress}:${r.port}`)).size).toBe(total);
  });
});

describe('inTestbedRange', () => {
  it.each([
    ['198.18.0.1', true],
    ['198.19.255.1', true],
    ['198.17.0.1', false],
    ['198.20.0.1', false],
    ['10.0.0.1', false],
  ])('%s -> %p', (a, expected) => expect(inTestbedRange(a)).toBe(expected));
});
