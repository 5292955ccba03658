/** Shared inputs and config for the provider's unit tests. */
import type { ClustersFile } from '../../provider/config/clusters';

/** A pinned host key that parses (ed25519 blob of 51 bytes). */
export const HOST_KEY = `ssh-ed25519 ${Buffer.concat([
  Buffer.from([0, 0, 0, 11]),
  Buffer.from('ssh-ed25519'),
  Buffer.from([0, 0, 0, 32]),
  Buffer.alloc(32, 7),
]).toString('base64')}`;

/** Two clusters of one host each; cluster-b's key is inline (a secret in a stack). */
export function clusters(): ClustersFile {
  const host = (cluster: string, address: string) => ({
    name: 'host-1',
    address,
    port: 22,
    user: 'root',
    hostKey: HOST_KEY,
    dockerSocket: `/run/${cluster}/docker.sock`,
    workDir: `/var/lib/${cluster}/work`,
  });
  return {
    clusters: [
      { name: 'cluster-a', hosts: [{ ...host('a', '198.18.1.2'), privateKeyPath: '/keys/id_ed25519' }] },
      {
        name: 'cluster-b',
        hosts: [{ ...host('b', '198.18.2.2'), privateKey: '-----BEGIN OPENSSH PRIVATE KEY-----\nsecret\n' }],
      },
    ],
  };
}

/** Valid, complete inputs of a container on cluster-a. */
export function inputs(): Record<string, unknown> {
  return {
    name: 'web-1',
    image: 'ferry/dirtier:latest',
    command: ['/bin/dirtier', '--mib', '32'],
    env: { MODE: 'fast' },
    labels: { team: 'infra' },
    resources: { memory: '256MiB', cpus: 0.5 },
    placement: { cluster: 'cluster-a' },
    migration: { strategy: 'auto', targetDowntime: '300ms', timeout: '10m', maxRounds: 5 },
    healthProbe: ['true'],
  };
}

/** The outputs stored after creating `inputs()` on cluster-a/host-1. */
export function outputs(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...inputs(),
    containerId: 'c0ffee',
    cluster: 'cluster-a',
    host: 'host-1',
    state: 'running',
    __provider: 'exports.handler = __f0; /* v1 */',
    ...over,
  };
}

export { withField } from '../support/with-field';
