/**
 * The test bed's naming and address plan (pure). Everything lives in 198.18.0.0/15, the range reserved for
 * benchmarking (RFC 2544), so it never collides with real networks:
 *
 * - management: the machine running Ferry (root namespace) `198.18.0.1` on `ferry-mgmt` <-> the WAN namespace
 *   `198.18.0.2` on `mgmt`; route `198.18.0.0/15` via the WAN. Unshaped, no delay.
 * - cluster k (1..4): namespace `ferry-ck`, its host `198.18.k.2/24` on `eth0`, WAN side `198.18.k.1` on `ck`.
 * - the link between clusters k and j is reached from k at `198.18.k.(10+j)` (a secondary address of the WAN
 *   side of k's subnet, where the delaying relay listens); the relay dials j's host from `198.18.j.(10+k)`.
 *   So `198.18.x.(10+y)` always means "cluster y, as seen from cluster x", and every packet of the link that
 *   leaves the WAN toward cluster x carries that source address: HTB classifies on it.
 */
import { InvalidInput } from '../provider/errors';

/** Fewest clusters the test bed runs. */
export const MIN_CLUSTERS = 2;
/** Most clusters the test bed runs. */
export const MAX_CLUSTERS = 4;
/** Name of the one host in every cluster. */
export const HOST_NAME = 'host-1';
/** The WAN network namespace. */
export const WAN_NETNS = 'ferry-wan';
/** Interface of the management veth in the root namespace. */
export const MGMT_ROOT_IF = 'ferry-mgmt';
/** Interface of the management veth in the WAN namespace. */
export const MGMT_WAN_IF = 'mgmt';
/** Address of the machine running Ferry on the management veth. */
export const MGMT_ROOT_ADDRESS = '198.18.0.1';
/** Address of the WAN namespace on the management veth. */
export const MGMT_WAN_ADDRESS = '198.18.0.2';
/** The management subnet (prefix). */
export const MGMT_SUBNET = '198.18.0.0/24';
/** The whole test bed range, routed from the root namespace through the WAN. */
export const TESTBED_RANGE = '198.18.0.0/15';
/** Interface of a cluster host toward the WAN, inside the cluster's namespace. */
export const HOST_IF = 'eth0';
/** TCP port of every host's SSH server. */
export const SSH_PORT = 22;
/**
 * Service ports the bed's links always carry besides SSH and the probe (Redis, PostgreSQL, HTTP), so that a
 * service published on one cluster is reachable from the others as across a WAN. More with `--extra-port`.
 */
export const SERVICE_PORTS: readonly number[] = [5432, 6379, 8080];

/** TCP port of the link probe (echo/sink/source service started by `status`; see `probe/`). */
export const PROBE_PORT = 7;

const LETTERS = 'abcd';

/** Everything named or numbered about one cluster of the test bed. */
export interface ClusterPlan {
  /** 1-based index k. */
  readonly index: number;
  /** `cluster-a` .. `cluster-d`. */
  readonly name: string;
  /** Its host's name, `host-1`. */
  readonly hostName: string;
  /** `"<cluster>/<host>"`, the key used in `peers` of the ClustersFile. */
  readonly hostKey: string;
  /** Network namespace name, `ferry-ck`. */
  readonly netns: string;
  /** cgroup parent given to its Docker Engine (`/ferry-ck`), so `down` finds every container process. */
  readonly cgroupParent: string;
  /** The host's address, `198.18.k.2`. */
  readonly hostAddress: string;
  /** The WAN's address in the cluster subnet (the host's gateway), `198.18.k.1`. */
  readonly wanAddress: string;
  /** The cluster subnet, `198.18.k.0/24`. */
  readonly subnet: string;
  /** The WAN namespace's interface toward this cluster, `ck`. */
  readonly wanInterface: string;
}

/** Plan of cluster `index` (1..4). */
export function clusterPlan(index: number): ClusterPlan {
  if (!Number.isInteger(index) || index < 1 || index > MAX_CLUSTERS) {
    throw new InvalidInput('cluster', index, `an index from 1 to ${MAX_CLUSTERS}`);
  }
  const name = `cluster-${LETTERS[index - 1]!}`;
  return {
    index,
    name,
    hostName: HOST_NAME,
    hostKey: `${name}/${HOST_NAME}`,
    netns: `ferry-c${index}`,
    cgroupParent: `/ferry-c${index}`,
    hostAddress: `198.18.${index}.2`,
    wanAddress: `198.18.${index}.1`,
    subnet: `198.18.${index}.0/24`,
    wanInterface: `c${index}`,
  };
}

/** Checks a cluster count (2..4). */
export function validateClusterCount(count: number, field = 'clusters'): number {
  if (!Number.isInteger(count) || count < MIN_CLUSTERS || count > MAX_CLUSTERS) {
    throw new InvalidInput(field, count, `a whole number from ${MIN_CLUSTERS} to ${MAX_CLUSTERS}`);
  }
  return count;
}

/** Plans of clusters 1..count. */
export function clusterPlans(count: number): ClusterPlan[] {
  validateClusterCount(count);
  return Array.from({ length: count }, (_, i) => clusterPlan(i + 1));
}

/** Every namespace name the test bed may create (for teardown without state): WAN and all four clusters. */
export function allNetnsNames(): string[] {
  return [WAN_NETNS, ...Array.from({ length: MAX_CLUSTERS }, (_, i) => clusterPlan(i + 1).netns)];
}

/**
 * Resolves a cluster given as `cluster-b`, `b` or `2` to its plan.
 * @throws InvalidInput when it names no cluster of a bed with `count` clusters.
 */
export function resolveCluster(text: string, count: number = MAX_CLUSTERS): ClusterPlan {
  const t = text.trim().toLowerCase();
  const m = /^(?:cluster-)?([a-d])$/.exec(t);
  const index = m ? LETTERS.indexOf(m[1]!) + 1 : /^[1-4]$/.test(t) ? Number(t) : 0;
  if (index < 1 || index > count) {
    const names = clusterPlans(Math.max(MIN_CLUSTERS, Math.min(count, MAX_CLUSTERS))).map((c) => c.name);
    throw new InvalidInput('cluster', text, `one of ${names.join(', ')}`);
  }
  return clusterPlan(index);
}

/** Address at which cluster `from` reaches cluster `to` across their link: `198.18.from.(10+to)`. */
export function peerAddress(from: ClusterPlan, to: ClusterPlan): string {
  return `198.18.${from.index}.${10 + to.index}`;
}

/** An unordered pair of clusters: one emulated WAN link. `a` has the lower index. */
export interface LinkPlan {
  /** The cluster with the lower index. */
  readonly a: ClusterPlan;
  /** The cluster with the higher index. */
  readonly b: ClusterPlan;
  /** `cluster-a<->cluster-b`. */
  readonly id: string;
}

/** The link between two distinct clusters (order does not matter). */
export function linkPlan(x: ClusterPlan, y: ClusterPlan): LinkPlan {
  if (x.index === y.index) throw new InvalidInput('link', `${x.name} ${y.name}`, 'two different clusters');
  const [a, b] = x.index < y.index ? [x, y] : [y, x];
  return { a, b, id: linkId(a.name, b.name) };
}

/** Id of the link between clusters named `x` and `y`, lower name first: `cluster-a<->cluster-b`. */
export function linkId(x: string, y: string): string {
  return x < y ? `${x}<->${y}` : `${y}<->${x}`;
}

/** All links of a bed with `count` clusters, in order (a-b, a-c, .., c-d). */
export function linkPlans(count: number): LinkPlan[] {
  const cs = clusterPlans(count);
  return cs.flatMap((a, i) => cs.slice(i + 1).map((b) => linkPlan(a, b)));
}

/** One TCP listener of the relay: connections to `listen` are carried to `target`, dialled from `bind`. */
export interface RelayRoute {
  /** The link it belongs to. */
  readonly link: string;
  /** Address the relay listens on (in the dialling cluster's subnet). */
  readonly listenAddress: string;
  /** Port the relay listens on (same as the target port). */
  readonly port: number;
  /** Address of the host dialled. */
  readonly targetAddress: string;
  /** Source address of the relay's outgoing connection (in the target's subnet; HTB classifies on it). */
  readonly bindAddress: string;
}

/** The relay routes of a bed: for every ordered pair of clusters and every port. */
export function relayRoutes(count: number, ports: readonly number[]): RelayRoute[] {
  return linkPlans(count).flatMap((l) =>
    [
      [l.a, l.b],
      [l.b, l.a],
    ].flatMap(([from, to]) =>
      ports.map((port) => ({
        link: l.id,
        listenAddress: peerAddress(from!, to!),
        port,
        targetAddress: to!.hostAddress,
        bindAddress: peerAddress(to!, from!),
      })),
    ),
  );
}

/** True if dotted-quad `address` lies inside 198.18.0.0/15. */
export function inTestbedRange(address: string): boolean {
  const m = /^198\.(18|19)\.\d+\.\d+$/.exec(address);
  return m !== null;
}
