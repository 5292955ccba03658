import {
  clustersConfigEntries,
  inlinePrivateKeys,
  setAllConfigArgv,
} from '../../provider/pulumi/stack-config';
import { readClusters } from '../../provider/pulumi/config';
import { clusters } from './fixtures';

describe('stack config from a clusters file', () => {
  const readKey = (p: string): string => {
    if (p !== '/keys/id_ed25519') throw new Error(`unexpected key file ${p}`);
    return '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n';
  };

  it('inlines key files as privateKey and drops the path', () => {
    const host = inlinePrivateKeys(clusters(), readKey).clusters[0]!.hosts[0]!;
    expect(host.privateKeyPath).toBeUndefined();
    expect(host.privateKey).toMatch(/BEGIN OPENSSH PRIVATE KEY/);
  });

  it('flattens into path entries; only private keys are secrets', () => {
    const entries = clustersConfigEntries(clusters(), readKey);
    const secrets = entries.filter((e) => e.secret).map((e) => e.key);
    expect(secrets).toEqual([
      'ferry:clusters.clusters[0].hosts[0].privateKey',
      'ferry:clusters.clusters[1].hosts[0].privateKey',
    ]);
    expect(entries).toContainEqual({
      key: 'ferry:clusters.clusters[1].hosts[0].port',
      value: '22',
      secret: false,
    });
  });

  it('quotes path segments that are not identifiers (peers are keyed by cluster/host)', () => {
    const file = clusters();
    const withPeers = {
      clusters: [
        {
          ...file.clusters[0]!,
          hosts: [
            {
              ...file.clusters[0]!.hosts[0]!,
              peers: { 'cluster-b/host-1': { address: '10.0.0.2', port: 22 } },
            },
          ],
        },
      ],
    };
    const keys = clustersConfigEntries(withPeers, readKey).map((e) => e.key);
    expect(keys).toContain('ferry:clusters.clusters[0].hosts[0].peers["cluster-b/host-1"].address');
  });

  it('round-trips: what the provider reads back (ports as text) is valid', () => {
    // rebuild the object the way `config set --path` stores leaves: as text
    const rebuilt = inlinePrivateKeys(clusters(), readKey);
    const asText = JSON.parse(
      JSON.stringify(rebuilt, (_k, v: unknown) => (typeof v === 'number' ? String(v) : v)),
    ) as unknown;
    const c = readClusters(JSON.stringify(asText));
    expect(typeof c === 'object' && c.clusters.map((x) => x.hosts[0]!.port)).toEqual([22, 22]);
  });

  it('builds the set-all argv with --secret for secrets', () => {
    const argv = setAllConfigArgv('dev', [
      { key: 'ferry:clusters.a', value: 'x', secret: false },
      { key: 'ferry:clusters.k', value: 'KEY', secret: true },
    ]);
    expect(argv).toEqual([
      'pulumi',
      'config',
      'set-all',
      '--stack',
      'dev',
      '--path',
      '--plaintext',
      'ferry:clusters.a=x',
      '--secret',
      'ferry:clusters.k=KEY',
    ]);
  });
});
