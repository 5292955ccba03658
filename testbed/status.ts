/** `ferry testbed status`: daemons alive per cluster, and each link's set vs measured RTT and throughput. */
import * as fs from 'node:fs';
import { SSH_PORT, WAN_NETNS, resolveCluster } from './address-plan';
import { dockerPing, sshBanner, unixSocketAnswers } from './health';
import { measureLink, type LinkMeasurement } from './measure';
import { netnsExists } from './network';
import { defaultStateDir, testbedPaths } from './paths';
import { isOurProcess } from './processes';
import { relayStatus } from './relay-control';
import { linkSettingsOf, readState, type LinkState } from './state';

/** Health of one cluster's host. */
export interface ClusterStatus {
  /** Cluster name. */
  readonly cluster: string;
  /** Host name. */
  readonly host: string;
  /** Management address. */
  readonly address: string;
  /** Its network namespace exists. */
  readonly netns: boolean;
  /** containerd answers on its socket. */
  readonly containerd: boolean;
  /** dockerd answers `GET /_ping`. */
  readonly dockerd: boolean;
  /** sshd sends its banner to the machine running Ferry. */
  readonly sshd: boolean;
}

/** One link: set values and, when measured, what was found. */
export interface LinkStatus {
  /** The stored link (set values, cut state). */
  readonly link: LinkState;
  /** The measurement (absent when not measured, cut or failed). */
  readonly measured?: LinkMeasurement;
  /** Why there is no measurement. */
  readonly note?: string;
}

/** The whole status. */
export interface TestbedStatus {
  /** The state dir. */
  readonly stateDir: string;
  /** True when a bed is recorded and every daemon and the relay answer. */
  readonly healthy: boolean;
  /** False when no bed is recorded in the state dir. */
  readonly up: boolean;
  /** The relay answers on its control socket. */
  readonly relay: { readonly alive: boolean; readonly pid?: number };
  /** Per cluster. */
  readonly clusters: readonly ClusterStatus[];
  /** Per link. */
  readonly links: readonly LinkStatus[];
}

/** Options of {@link testbedStatus}. */
export interface TestbedStatusOptions {
  /** State dir (default `FERRY_TESTBED_DIR` or /var/lib/ferry/testbed). */
  readonly stateDir?: string;
  /** Measure links (default true; takes about 4 s per link). */
  readonly measure?: boolean;
  /** Only these links (ids like `cluster-a<->cluster-b`); default all. */
  readonly links?: readonly string[];
  /** Receives progress lines. */
  readonly onProgress?: (line: string) => void;
}

/** Checks every daemon and, unless told not to, measures every link that is not cut. Never throws for a sick bed. */
export async function testbedStatus(options: TestbedStatusOptions = {}): Promise<TestbedStatus> {
  const paths = testbedPaths(options.stateDir ?? defaultStateDir());
  const state = readState(paths);
  if (state === undefined) {
    return {
      stateDir: paths.stateDir,
      up: false,
      healthy: false,
      relay: { alive: false },
      clusters: [],
      links: [],
    };
  }
  const clusters = await Promise.all(
    state.hosts.map(async (h): Promise<ClusterStatus> => {
      const c = resolveCluster(h.cluster);
      const hp = paths.host(c);
      const netns = netnsExists(c.netns);
      return {
        cluster: h.cluster,
        host: h.host,
        address: c.hostAddress,
        netns,
        containerd: netns && (await unixSocketAnswers(hp.containerdSocket)),
        dockerd: netns && (await dockerPing(hp.dockerSocket)),
        sshd: netns && (await sshBanner(c.hostAddress, SSH_PORT)) !== undefined,
      };
    }),
  );
  const r = fs.existsSync(paths.relayControlSocket) ? await relayStatus(paths) : undefined;
  const relayAlive = r?.ok === true && isOurProcess(r.pid, WAN_NETNS, paths.relayConfig);
  const healthy = relayAlive && clusters.every((c) => c.netns && c.containerd && c.dockerd && c.sshd);
  const links: LinkStatus[] = [];
  for (const link of state.links) {
    if (options.links && !options.links.includes(link.id)) continue;
    if (options.measure === false) links.push({ link });
    else if (link.cut !== 'none') links.push({ link, note: `cut (${link.cut})` });
    else if (!relayAlive) links.push({ link, note: 'relay not running' });
    else {
      options.onProgress?.(`measuring ${link.id} ...`);
      try {
        links.push({
          link,
          measured: await measureLink(resolveCluster(link.a), resolveCluster(link.b), linkSettingsOf(link)),
        });
      } catch (e) {
        links.push({ link, note: `measurement failed: ${(e as Error).message.split('\n')[0]!}` });
      }
    }
  }
  return {
    stateDir: paths.stateDir,
    up: true,
    healthy,
    relay: relayAlive && r ? { alive: true, pid: r.pid } : { alive: false },
    clusters,
    links,
  };
}
