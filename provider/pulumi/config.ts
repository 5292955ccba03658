/**
 * Reading the `ferry` stack config in the provider's `configure()`: `ferry:clusters` (a ClustersFile, keys
 * as secrets; the provider receives it decrypted, as JSON text or as an object) and
 * `ferry:maxMigrationsPerLink` (how many migrations may share one inter-cluster link at a time).
 */
import type { ClustersFile } from '../config/clusters';
import { parseClusters } from './schema';

/** The config key of the topology. */
export const CLUSTERS_KEY = 'ferry:clusters';
/** The config key of the per-link concurrency limit. */
export const PER_LINK_KEY = 'ferry:maxMigrationsPerLink';
/** Default number of concurrent migrations over one link. */
export const DEFAULT_PER_LINK = 1;

/** The part of Pulumi's dynamic-provider `Config` used here. */
export interface ConfigSource {
  /** The raw value of `key` (`namespace:name`), or `undefined`. */
  get(key: string): string | undefined;
}

/** The provider's view of the stack config. */
export interface ProviderConfig {
  /** The topology, or why there is none (a message for `check` failures). */
  readonly clusters: ClustersFile | string;
  /** Concurrent migrations per link (at least 1). */
  readonly maxMigrationsPerLink: number;
}

/** Parses the stack config. Never throws: problems become the `clusters` message. */
export function readProviderConfig(config: ConfigSource): ProviderConfig {
  const perLinkText = config.get(PER_LINK_KEY);
  const perLink = perLinkText === undefined ? DEFAULT_PER_LINK : Number(perLinkText);
  const maxMigrationsPerLink = Number.isInteger(perLink) && perLink >= 1 ? perLink : DEFAULT_PER_LINK;
  return { clusters: readClusters(config.get(CLUSTERS_KEY)), maxMigrationsPerLink };
}

/** The topology from the raw config value, or a message saying what is wrong and what is expected. */
export function readClusters(raw: unknown): ClustersFile | string {
  if (raw === undefined || raw === null || raw === '') {
    return `no ${CLUSTERS_KEY} in the stack config: expected the clusters and their hosts (see docs/pulumi.md; \`ferry stack-config\` writes it from a clusters file)`;
  }
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      return `${CLUSTERS_KEY} is not JSON: expected an object { clusters: [...] }`;
    }
  }
  const parsed = parseClusters(value);
  if (parsed.ok) return parsed.clusters;
  return `${CLUSTERS_KEY} is invalid: ${parsed.problems.map((p) => `${p.property}: ${p.reason}`).join('; ')}`;
}
