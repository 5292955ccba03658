/**
 * HTB shaping of the WAN (pure argv builders). On the WAN side of every cluster's veth (`ck`, egress toward
 * cluster k) there is one HTB root `1:` without a default class, so unclassified traffic (management) goes
 * through HTB's direct queue unshaped. Each link to cluster j has class `1:<10+j>`, selected by a u32
 * filter on the link's source address `198.18.k.(10+j)`. Each direction of a link is therefore shaped
 * separately, at the link's rate, where it enters the receiving cluster.
 */
import type { BytesPerSecond } from '../provider/units';
import { WAN_NETNS, peerAddress, type ClusterPlan } from './address-plan';

/** The `tc` command in the WAN namespace. */
const TC = ['tc', '-netns', WAN_NETNS];

/** HTB class id (on k's WAN interface) of the link toward peer j: `1:<10+j>` (tc reads the minor as hex; it is only an id). */
export function classId(peer: ClusterPlan): string {
  return `1:${10 + peer.index}`;
}

/** Token bucket size for a rate, in bytes: at least 64 KiB (one GSO packet), else 2 ms worth. */
export function burstBytes(rate: BytesPerSecond): number {
  return Math.max(65536, Math.round(rate * 0.002));
}

/** `rate`/`ceil` in bits per second as tc wants them (`<n>bit`). */
export function tcRate(rate: BytesPerSecond): string {
  return `${Math.round(rate * 8)}bit`;
}

/** HTB class parameters for a link rate (`rate == ceil`: no borrowing). */
export function htbClassParams(rate: BytesPerSecond): string[] {
  const burst = `${burstBytes(rate)}b`;
  return [
    'htb',
    'rate',
    tcRate(rate),
    'ceil',
    tcRate(rate),
    'burst',
    burst,
    'cburst',
    burst,
    'quantum',
    '65536',
  ];
}

/** The rate of one link as seen from one side: the peer cluster and the link's bandwidth. */
export interface PeerRate {
  /** The cluster at the far end of the link. */
  readonly peer: ClusterPlan;
  /** The link's bandwidth, bytes per second. */
  readonly bandwidth: BytesPerSecond;
}

/** Removes the HTB tree of cluster `c`'s WAN interface (fails harmlessly if there is none). */
export function deleteShapingArgv(c: ClusterPlan): string[] {
  return [...TC, 'qdisc', 'del', 'dev', c.wanInterface, 'root'];
}

/** Commands that build the whole HTB tree on `c`'s WAN interface (run after {@link deleteShapingArgv}). */
export function buildShapingArgv(c: ClusterPlan, peers: readonly PeerRate[]): string[][] {
  const dev = ['dev', c.wanInterface];
  return [
    [...TC, 'qdisc', 'add', ...dev, 'root', 'handle', '1:', 'htb'],
    ...peers.flatMap(({ peer, bandwidth }) => [
      [...TC, 'class', 'add', ...dev, 'parent', '1:', 'classid', classId(peer), ...htbClassParams(bandwidth)],
      [
        ...TC, 'filter', 'add', ...dev, 'parent', '1:', 'protocol', 'ip', 'prio', '1',
        'u32', 'match', 'ip', 'src', `${peerAddress(c, peer)}/32`, 'flowid', classId(peer),
      ], // prettier-ignore
    ]),
  ];
}

/** Changes the rate of one existing class live (no packets dropped). */
export function changeRateArgv(c: ClusterPlan, p: PeerRate): string[] {
  return [
    ...TC, 'class', 'change', 'dev', c.wanInterface, 'parent', '1:', 'classid', classId(p.peer),
    ...htbClassParams(p.bandwidth),
  ]; // prettier-ignore
}

/** Lists the qdiscs of `c`'s WAN interface as JSON. */
export function showQdiscArgv(c: ClusterPlan): string[] {
  return [...TC, '-json', 'qdisc', 'show', 'dev', c.wanInterface];
}

/** Lists the classes of `c`'s WAN interface (text: tc prints no JSON for HTB classes). */
export function showClassArgv(c: ClusterPlan): string[] {
  return [...TC, 'class', 'show', 'dev', c.wanInterface];
}

/** Lists the filters of `c`'s WAN interface as JSON. */
export function showFilterArgv(c: ClusterPlan): string[] {
  return [...TC, '-json', 'filter', 'show', 'dev', c.wanInterface];
}

/**
 * True if the interface already carries our tree for exactly these peers: HTB root `1:`, one class per
 * peer, and a filter to each class (outputs of {@link showQdiscArgv}, {@link showClassArgv},
 * {@link showFilterArgv}). Otherwise the caller rebuilds it.
 */
export function shapingMatches(
  qdiscJson: string,
  classText: string,
  filterJson: string,
  peers: readonly PeerRate[],
): boolean {
  const parse = (t: string): Record<string, unknown>[] => {
    try {
      const v: unknown = JSON.parse(t.trim() === '' ? '[]' : t);
      return Array.isArray(v) ? (v as Record<string, unknown>[]) : [];
    } catch {
      return [];
    }
  };
  const root = parse(qdiscJson).some((q) => q.kind === 'htb' && q.handle === '1:' && q.root === true);
  const classes = new Set([...classText.matchAll(/^class htb (\S+)/gm)].map((m) => m[1]!));
  const flows = new Set(
    parse(filterJson).map((f) => (f.options as { flowid?: unknown } | undefined)?.flowid),
  );
  const want = peers.map((p) => classId(p.peer));
  return root && classes.size === want.length && want.every((id) => classes.has(id) && flows.has(id));
}
