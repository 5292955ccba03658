/**
 * `ip` command lines that build the test bed's network (pure). Every step is idempotent (`replace`), except
 * creating namespaces and veth pairs, which the caller does only when they are missing.
 */
import {
  HOST_IF,
  MGMT_ROOT_ADDRESS,
  MGMT_ROOT_IF,
  MGMT_SUBNET,
  MGMT_WAN_ADDRESS,
  MGMT_WAN_IF,
  TESTBED_RANGE,
  WAN_NETNS,
  inTestbedRange,
  peerAddress,
  type ClusterPlan,
} from './address-plan';
import { inNetns } from './daemon-config';

const ipIn = (netns: string, ...args: string[]): string[] => ['ip', '-n', netns, ...args];

/** Creates the management veth: `ferry-mgmt` in the root namespace, `mgmt` in the WAN. */
export function mgmtVethCreateArgv(): string[] {
  return ['ip', 'link', 'add', MGMT_ROOT_IF, 'type', 'veth', 'peer', 'name', MGMT_WAN_IF, 'netns', WAN_NETNS];
}

/** Configures the WAN and the management link: addresses, forwarding, the route from the root namespace. */
export function wanConfigArgv(): string[][] {
  return [
    ipIn(WAN_NETNS, 'link', 'set', 'lo', 'up'),
    ['ip', 'addr', 'replace', `${MGMT_ROOT_ADDRESS}/24`, 'dev', MGMT_ROOT_IF],
    ['ip', 'link', 'set', MGMT_ROOT_IF, 'up'],
    ipIn(WAN_NETNS, 'addr', 'replace', `${MGMT_WAN_ADDRESS}/24`, 'dev', MGMT_WAN_IF),
    ipIn(WAN_NETNS, 'link', 'set', MGMT_WAN_IF, 'up'),
    ['ip', 'route', 'replace', TESTBED_RANGE, 'via', MGMT_WAN_ADDRESS, 'dev', MGMT_ROOT_IF],
    inNetns(WAN_NETNS, ['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']),
  ];
}

/** Creates cluster `c`'s veth: `ck` in the WAN, `eth0` in the cluster's namespace. */
export function clusterVethCreateArgv(c: ClusterPlan): string[] {
  return ipIn(
    WAN_NETNS,
    'link',
    'add',
    c.wanInterface,
    'type',
    'veth',
    'peer',
    'name',
    HOST_IF,
    'netns',
    c.netns,
  );
}

/**
 * Configures cluster `c`: its host address and default route, the WAN side with one secondary address per
 * peer (where the relay listens and from where it dials), and the WAN rules that forbid forwarding from
 * this cluster to any other cluster subnet (only the management subnet is routed), so that the relay is the
 * only path between clusters.
 */
export function clusterConfigArgv(c: ClusterPlan, all: readonly ClusterPlan[]): string[][] {
  const peers = all.filter((o) => o.index !== c.index);
  return [
    ipIn(c.netns, 'link', 'set', 'lo', 'up'),
    ipIn(WAN_NETNS, 'addr', 'replace', `${c.wanAddress}/24`, 'dev', c.wanInterface),
    ...peers.map((p) => ipIn(WAN_NETNS, 'addr', 'replace', `${peerAddress(c, p)}/32`, 'dev', c.wanInterface)),
    ipIn(WAN_NETNS, 'link', 'set', c.wanInterface, 'up'),
    ipIn(c.netns, 'addr', 'replace', `${c.hostAddress}/24`, 'dev', HOST_IF),
    ipIn(c.netns, 'link', 'set', HOST_IF, 'up'),
    ipIn(c.netns, 'route', 'replace', 'default', 'via', c.wanAddress),
  ];
}

/** Priorities of the two WAN rules of cluster `c`: allow to management, then prohibit the rest of the range. */
export function rulePrefs(c: ClusterPlan): [number, number] {
  return [100 + c.index, 200 + c.index];
}

/** Deletes one WAN rule by priority (the caller repeats until it fails: then none is left). */
export function ruleDeleteArgv(pref: number): string[] {
  return ipIn(WAN_NETNS, 'rule', 'del', 'pref', String(pref));
}

/** Adds cluster `c`'s two WAN rules. */
export function ruleAddArgv(c: ClusterPlan): string[][] {
  const [allow, deny] = rulePrefs(c);
  return [
    ipIn(
      WAN_NETNS,
      'rule',
      'add',
      'pref',
      String(allow),
      'iif',
      c.wanInterface,
      'to',
      MGMT_SUBNET,
      'lookup',
      'main',
    ),
    ipIn(
      WAN_NETNS,
      'rule',
      'add',
      'pref',
      String(deny),
      'iif',
      c.wanInterface,
      'to',
      TESTBED_RANGE,
      'prohibit',
    ),
  ];
}

/**
 * Things in the root namespace that already use 198.18.0.0/15 and are not ours, from `ip -j -4 addr show`
 * and `ip -j -4 route show`. The test bed refuses to start when there are any.
 */
export function rangeConflicts(addrJson: string, routeJson: string): string[] {
  const out: string[] = [];
  const parse = (t: string): Record<string, unknown>[] => {
    const v: unknown = JSON.parse(t.trim() === '' ? '[]' : t);
    return Array.isArray(v) ? (v as Record<string, unknown>[]) : [];
  };
  for (const link of parse(addrJson)) {
    if (link.ifname === MGMT_ROOT_IF) continue;
    const infos = Array.isArray(link.addr_info) ? (link.addr_info as { local?: unknown }[]) : [];
    for (const a of infos) {
      if (typeof a.local === 'string' && inTestbedRange(a.local))
        out.push(`address ${a.local} on ${String(link.ifname)}`);
    }
  }
  for (const r of parse(routeJson)) {
    const dst = typeof r.dst === 'string' ? r.dst.split('/')[0]! : '';
    if (r.dev !== MGMT_ROOT_IF && inTestbedRange(dst))
      out.push(`route ${String(r.dst)} dev ${String(r.dev)}`);
  }
  return out;
}
