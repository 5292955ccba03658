/**
 * Writing a ClustersFile (e.g. the test bed's clusters.json) into a stack's `ferry:clusters` config: private
 * key files are read and inlined as `privateKey` SECRET values (encrypted in Pulumi.<stack>.yaml, decrypted
 * only for the provider's `configure()`), everything else is plain text. The result is a list of
 * path-style config entries for `pulumi config set-all --path` (or the Automation API's `setAllConfig`).
 */
import * as fs from 'node:fs';
import type { ClustersFile, HostConfig } from '../config/clusters';
import { CLUSTERS_KEY } from './config';

/** One config entry for `pulumi config set --path`. */
export interface ConfigEntry {
  /** Path key, e.g. `ferry:clusters.clusters[0].hosts[0].address`. */
  readonly key: string;
  /** The value as text. */
  readonly value: string;
  /** Whether it is stored encrypted. */
  readonly secret: boolean;
}

/** Host fields stored as secrets. */
export const SECRET_HOST_FIELDS: ReadonlySet<string> = new Set(['privateKey']);

/** The file with `privateKeyPath` replaced by the key's content (`privateKey`), read with `readKey`. */
export function inlinePrivateKeys(
  file: ClustersFile,
  readKey: (path: string) => string = (p) => fs.readFileSync(p, 'utf8'),
): ClustersFile {
  return {
    clusters: file.clusters.map((c) => ({
      name: c.name,
      hosts: c.hosts.map((h): HostConfig => {
        const { privateKeyPath, ...rest } = h;
        if (h.privateKey !== undefined || privateKeyPath === undefined) return rest;
        return { ...rest, privateKey: readKey(privateKeyPath) };
      }),
    })),
  };
}

const PLAIN_SEGMENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** One path segment in Pulumi's config path syntax: `.name` or `["odd/name"]`. */
function segment(name: string): string {
  return PLAIN_SEGMENT.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
}

/** Flattens `value` into path entries under `prefix`. */
function flatten(prefix: string, value: unknown, secret: boolean, out: ConfigEntry[]): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => flatten(`${prefix}[${i}]`, v, secret, out));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      flatten(`${prefix}${segment(k)}`, v, secret || SECRET_HOST_FIELDS.has(k), out);
    }
  } else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    out.push({ key: prefix, value: String(value), secret });
  }
}

/** The `ferry:clusters` entries of a ClustersFile (private keys inlined first, as secrets). */
export function clustersConfigEntries(file: ClustersFile, readKey?: (path: string) => string): ConfigEntry[] {
  const out: ConfigEntry[] = [];
  flatten(CLUSTERS_KEY, inlinePrivateKeys(file, readKey), false, out);
  return out;
}

/** The argv of `pulumi config set-all` that writes `entries` to `stack`. */
export function setAllConfigArgv(stack: string, entries: readonly ConfigEntry[]): string[] {
  const argv = ['pulumi', 'config', 'set-all', '--stack', stack, '--path'];
  for (const e of entries) argv.push(e.secret ? '--secret' : '--plaintext', `${e.key}=${e.value}`);
  return argv;
}
