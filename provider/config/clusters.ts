/**
 * How Ferry reaches the hosts of each cluster. The test bed writes this shape to `<stateDir>/clusters.json`;
 * a Pulumi stack gives the same shape under the `ferry:clusters` config key.
 */

/** How one host reaches another host's SSH server across the inter-cluster link. */
export interface PeerEndpoint {
  /** Address (IP or DNS name) to dial from this host. */
  readonly address: string;
  /** TCP port of the peer's SSH server. */
  readonly port: number;
}

/** One machine that runs a Docker Engine and an SSH server. */
export interface HostConfig {
  /** Host name, unique within its cluster, e.g. `host-1`. */
  readonly name: string;
  /** Address (IP or DNS name) at which the machine running Ferry reaches this host's SSH server. */
  readonly address: string;
  /** TCP port of the SSH server. */
  readonly port: number;
  /** SSH user name. */
  readonly user: string;
  /** Path of the SSH private key file on the machine running Ferry (or give `privateKey`). */
  readonly privateKeyPath?: string;
  /** The SSH private key itself, PEM/OpenSSH text (a secret). */
  readonly privateKey?: string;
  /** The host's pinned public host key, `"<type> <base64>"` as in `known_hosts`. Never trusted blindly. */
  readonly hostKey: string;
  /** Path of the Docker Engine's unix socket on the host. */
  readonly dockerSocket: string;
  /** The Docker Engine's data root on the host (default `/var/lib/docker`): checkpoints are placed under it. */
  readonly dockerDataRoot?: string;
  /** The runc state root that the Docker Engine uses (default `/run/docker/runtime-runc/moby`). */
  readonly runtimeRoot?: string;
  /**
   * The SSH server's authorized_keys file for `user` (relative paths are taken from the user's home; default
   * `.ssh/authorized_keys`). A migration adds a per-migration key to the target's file, restricted to its own
   * receive directory, and removes it afterwards.
   */
  readonly authorizedKeysFile?: string;
  /** Directory on the host where Ferry keeps checkpoint images and journals. */
  readonly workDir: string;
  /**
   * How this host reaches hosts of other clusters, keyed by `"<cluster>/<host>"`. When a peer is missing,
   * the peer's own `address`/`port` are used.
   */
  readonly peers?: Readonly<Record<string, PeerEndpoint>>;
}

/** A named group of hosts (one Docker Engine each). */
export interface ClusterConfig {
  /** Cluster name, e.g. `cluster-a`. */
  readonly name: string;
  /** The cluster's hosts; the first is the default placement target. */
  readonly hosts: readonly HostConfig[];
}

/** The whole topology Ferry knows about. */
export interface ClustersFile {
  /** All clusters. */
  readonly clusters: readonly ClusterConfig[];
}
