/** Builds the ClustersFile the test bed hands to Ferry's engine (pure). */
import type { ClustersFile, HostConfig, PeerEndpoint } from '../provider/config/clusters';
import { InvalidInput } from '../provider/errors';
import { SSH_PORT, peerAddress, type ClusterPlan } from './address-plan';
import { TESTBED_USER } from './login-user';
import type { TestbedPaths } from './paths';

/**
 * The ClustersFile of a bed: one host per cluster, reached by the machine running Ferry at `198.18.k.2:22`
 * as the test bed's login user (uid 0, see login-user.ts) with the test bed's client key; its host key pinned; Docker and runc paths of its own engine; and
 * for every other cluster the peer address that goes across the emulated WAN link (through the relay).
 * @param hostKeys - `"<type> <base64>"` of each cluster's host, by cluster name.
 */
export function buildClustersFile(
  clusters: readonly ClusterPlan[],
  paths: TestbedPaths,
  hostKeys: ReadonlyMap<string, string>,
): ClustersFile {
  return {
    clusters: clusters.map((c) => {
      const hp = paths.host(c);
      const hostKey = hostKeys.get(c.name);
      if (hostKey === undefined) throw new InvalidInput('hostKeys', c.name, 'a host key for every cluster');
      const peers: Record<string, PeerEndpoint> = {};
      for (const o of clusters) {
        if (o.index !== c.index) peers[o.hostKey] = { address: peerAddress(c, o), port: SSH_PORT };
      }
      const host: HostConfig = {
        name: c.hostName,
        address: c.hostAddress,
        port: SSH_PORT,
        user: TESTBED_USER,
        privateKeyPath: paths.clientKey,
        hostKey,
        dockerSocket: hp.dockerSocket,
        dockerDataRoot: hp.dockerDataRoot,
        runtimeRoot: hp.runtimeRoot,
        authorizedKeysFile: paths.clientKeyPub,
        workDir: hp.workDir,
        peers,
      };
      return { name: c.name, hosts: [host] };
    }),
  };
}
