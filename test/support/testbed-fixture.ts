/**
 * Brings the real test bed up for an integration test (idempotent: quick when it is already up) and
 * returns it. A missing prerequisite makes `testbedUp` throw, so the test FAILS; it never skips.
 */
import { loadTestbed, setLink, testbedUp, type Testbed } from '../../testbed';
import { parseBandwidth, parseDuration } from '../../provider/units';
import type { ClusterConfig, HostConfig } from '../../provider/config/clusters';

/** Link settings an integration test asks for. */
export interface LinkWish {
  /** RTT, e.g. `"50ms"`. */
  readonly rtt: string;
  /** Bandwidth, e.g. `"100mbit"`. */
  readonly bandwidth: string;
}

/** Brings the test bed up (2 clusters) and sets the cluster-a <-> cluster-b link as asked. */
export async function ensureTestbed(
  link: LinkWish = { rtt: '50ms', bandwidth: '100mbit' },
): Promise<Testbed> {
  const rtt = parseDuration(link.rtt);
  const bandwidth = parseBandwidth(link.bandwidth);
  await testbedUp({
    clusters: 2,
    rtt,
    bandwidth,
    onProgress: (line) => process.stderr.write(`[testbed] ${line}\n`),
  });
  await setLink('cluster-a', 'cluster-b', { rtt, bandwidth });
  return loadTestbed();
}

/** The first host of the named cluster of a test bed. */
export function hostOf(bed: Testbed, cluster: string): HostConfig {
  const c: ClusterConfig | undefined = bed.clusters.clusters.find((x) => x.name === cluster);
  const host = c?.hosts[0];
  if (!host) throw new Error(`test bed has no cluster ${cluster}`);
  return host;
}
