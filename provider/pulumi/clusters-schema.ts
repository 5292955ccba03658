/**
 * The `ferry:clusters` stack config (pure): its zod schema and the parse that also checks that cluster and
 * host names are unique.
 */
import { z } from 'zod';
import type { ClustersFile } from '../config/clusters';
import { parsePinnedHostKey } from '../hosts/host-key';
import { absolutePath, dottedPath, nonEmpty, parses, type FieldFailure } from './schema-fields';

const hostKeyText = z
  .string({ error: 'missing host key: expected the host\'s public key, like "ssh-ed25519 AAAAC3Nza..."' })
  .refine(parses(parsePinnedHostKey), {
    error:
      'malformed host key: expected the host\'s public key, like "ssh-ed25519 AAAAC3Nza..." (a line of ssh_host_*_key.pub)',
  });

const port = z.coerce
  .number({ error: 'expected a TCP port number' })
  .int({ error: 'expected a TCP port number' })
  .min(1, { error: 'expected a TCP port in 1..65535' })
  .max(65535, { error: 'expected a TCP port in 1..65535' });

/** One host of `ferry:clusters` (see `HostConfig`). */
export const hostConfigSchema = z
  .strictObject({
    name: nonEmpty('a host name'),
    address: nonEmpty('an IP address or DNS name'),
    port: port.default(22),
    user: nonEmpty('an SSH user name'),
    privateKeyPath: nonEmpty('a path to an SSH private key').optional(),
    privateKey: nonEmpty('an SSH private key (set it with `pulumi config set --secret`)').optional(),
    hostKey: hostKeyText,
    dockerSocket: absolutePath('the Docker Engine socket path on the host'),
    dockerDataRoot: absolutePath('the Docker data root on the host').optional(),
    runtimeRoot: absolutePath('the runc state root on the host').optional(),
    authorizedKeysFile: nonEmpty('the path of the SSH authorized_keys file on the host').optional(),
    workDir: absolutePath('a work directory on the host'),
    peers: z
      .record(z.string(), z.strictObject({ address: nonEmpty('an address'), port }), {
        error: 'expected an object "<cluster>/<host>" -> { address, port }',
      })
      .optional(),
  })
  .refine((h) => h.privateKey !== undefined || h.privateKeyPath !== undefined, {
    error: 'missing SSH private key: expected privateKey (a secret) or privateKeyPath',
    path: ['privateKey'],
  });

/** The `ferry:clusters` config value. */
export const clustersFileSchema = z.strictObject({
  clusters: z
    .array(
      z.strictObject({
        name: nonEmpty('a cluster name'),
        hosts: z.array(hostConfigSchema).min(1, { error: 'expected at least one host' }),
      }),
      { error: 'expected a list of { name, hosts }' },
    )
    .min(1, { error: 'expected at least one cluster' }),
});

/** Result of parsing the `ferry:clusters` config value. */
export type ClustersParse =
  | { readonly ok: true; readonly clusters: ClustersFile }
  | { readonly ok: false; readonly problems: readonly FieldFailure[] };

/** Validates a `ferry:clusters` value (already JSON-parsed). Cluster and host names must be unique. */
export function parseClusters(value: unknown): ClustersParse {
  const parsed = clustersFileSchema.safeParse(value);
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((i) => ({
        property: `ferry:clusters.${dottedPath(i.path)}`,
        reason: i.message,
      })),
    };
  }
  const problems: FieldFailure[] = [];
  const seen = new Set<string>();
  parsed.data.clusters.forEach((c, ci) => {
    if (seen.has(c.name))
      problems.push({
        property: `ferry:clusters.clusters[${ci}].name`,
        reason: `duplicate cluster "${c.name}": expected unique names`,
      });
    seen.add(c.name);
    const hosts = new Set<string>();
    c.hosts.forEach((h, hi) => {
      if (hosts.has(h.name))
        problems.push({
          property: `ferry:clusters.clusters[${ci}].hosts[${hi}].name`,
          reason: `duplicate host "${h.name}" in ${c.name}: expected unique names`,
        });
      hosts.add(h.name);
    });
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, clusters: parsed.data };
}
