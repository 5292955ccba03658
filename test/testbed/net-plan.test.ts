import { clusterPlans } from '../../testbed/address-plan';
import {
  clusterConfigArgv,
  clusterVethCreateArgv,
  mgmtVethCreateArgv,
  rangeConflicts,
  ruleAddArgv,
  wanConfigArgv,
} from '../../testbed/net-plan';

const [a, b, c] = clusterPlans(3) as [
  ReturnType<typeof clusterPlans>[0],
  ReturnType<typeof clusterPlans>[0],
  ReturnType<typeof clusterPlans>[0],
];
const joined = (argvs: string[][]): string[] => argvs.map((x) => x.join(' '));

describe('network commands', () => {
  it('creates the veths into the right namespaces', () => {
    expect(mgmtVethCreateArgv().join(' ')).toBe(
      'ip link add ferry-mgmt type veth peer name mgmt netns ferry-wan',
    );
    expect(clusterVethCreateArgv(b).join(' ')).toBe(
      'ip -n ferry-wan link add c2 type veth peer name eth0 netns ferry-c2',
    );
  });

  it.each([
    'ip route replace 198.18.0.0/15 via 198.18.0.2 dev ferry-mgmt',
    'nsenter --net=/var/run/netns/ferry-wan -- sysctl -q -w net.ipv4.ip_forward=1',
    'ip -n ferry-wan addr replace 198.18.0.2/24 dev mgmt',
  ])('WAN setup has %s', (cmd) => expect(joined(wanConfigArgv())).toContain(cmd));

  it.each([
    'ip -n ferry-wan addr replace 198.18.1.1/24 dev c1',
    'ip -n ferry-wan addr replace 198.18.1.12/32 dev c1',
    'ip -n ferry-wan addr replace 198.18.1.13/32 dev c1',
    'ip -n ferry-c1 addr replace 198.18.1.2/24 dev eth0',
    'ip -n ferry-c1 route replace default via 198.18.1.1',
  ])('cluster a setup has %s', (cmd) => expect(joined(clusterConfigArgv(a, [a, b, c]))).toContain(cmd));

  it('forbids forwarding between clusters but not to management', () => {
    expect(joined(ruleAddArgv(c))).toEqual([
      'ip -n ferry-wan rule add pref 103 iif c3 to 198.18.0.0/24 lookup main',
      'ip -n ferry-wan rule add pref 203 iif c3 to 198.18.0.0/15 prohibit',
    ]);
  });
});

describe('rangeConflicts', () => {
  const addrs = (ifname: string, local: string): string =>
    JSON.stringify([{ ifname, addr_info: [{ local, prefixlen: 24 }] }]);
  const routes = (dst: string, dev: string): string => JSON.stringify([{ dst, dev }]);
  it.each([
    ['none on a plain machine', addrs('eth0', '192.0.2.2'), routes('default', 'eth0'), []],
    [
      'our own management veth is fine',
      addrs('ferry-mgmt', '198.18.0.1'),
      routes('198.18.0.0/15', 'ferry-mgmt'),
      [],
    ],
    ['a foreign address', addrs('br0', '198.18.5.1'), '[]', ['address 198.18.5.1 on br0']],
    ['a foreign route', '[]', routes('198.19.0.0/16', 'tun0'), ['route 198.19.0.0/16 dev tun0']],
  ])('%s', (_what, a1, r1, expected) => expect(rangeConflicts(a1, r1)).toEqual(expected));
});
