/** Resolving `cluster[/host]` against a ClustersFile (pure). */
import type { ClustersFile, HostConfig } from '../config/clusters';
import { InvalidInput } from '../errors';
import type { HostRef } from './types';

/** The host named by `spec` (`cluster` means its first host). @throws InvalidInput naming what exists. */
export function resolveHostRef(file: ClustersFile, spec: string, field = 'host'): HostRef {
  const [clusterName, hostName, ...rest] = spec.split('/');
  const cluster = file.clusters.find((c) => c.name === clusterName);
  if (cluster === undefined || rest.length > 0) {
    throw new InvalidInput(
      field,
      spec,
      `<cluster>[/<host>] with a cluster among ${file.clusters.map((c) => c.name).join(', ')}`,
    );
  }
  const host = hostName === undefined ? cluster.hosts[0] : cluster.hosts.find((h) => h.name === hostName);
  if (host === undefined) {
    throw new InvalidInput(
      field,
      spec,
      `a host of ${cluster.name}: ${cluster.hosts.map((h) => h.name).join(', ')}`,
    );
  }
  return { cluster: cluster.name, host };
}

/**
 * A resolver of journal hosts from a clusters file (for `recover`): the host named `host` in cluster
 * `cluster`, or `undefined` when the file does not have it.
 */
export function hostResolver(file: ClustersFile): (cluster: string, host: string) => HostConfig | undefined {
  return (cluster, host) => file.clusters.find((c) => c.name === cluster)?.hosts.find((h) => h.name === host);
}
