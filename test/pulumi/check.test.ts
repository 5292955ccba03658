import { readClusters } from '../../provider/pulumi/config';
import { UNKNOWN, validateInputs, parseClusters } from '../../provider/pulumi/schema';
import { clusters, HOST_KEY, inputs, withField } from './fixtures';

describe('check: validateInputs', () => {
  it('accepts complete, valid inputs and returns them parsed', () => {
    const v = validateInputs(inputs(), clusters());
    expect(v.failures).toEqual([]);
    expect(v.inputs?.placement).toEqual({ cluster: 'cluster-a' });
  });

  it.each([
    ['image', undefined, 'image', /expected an image reference/],
    ['image', '', 'image', /must not be empty/],
    ['name', 'x', 'name', /Docker container name/],
    ['name', 'bad name!', 'name', /Docker container name/],
    ['command', 'sleep 1', 'command', /argv array/],
    ['command', [], 'command', /at least the program/],
    ['env', { A: 1 }, 'env.A', /strings/],
    ['resources.memory', '256 parsecs', 'resources.memory', /"256 parsecs" is not a size.*256MiB/],
    ['resources.cpus', 0, 'resources.cpus', /more than 0 CPUs/],
    ['placement', undefined, 'placement', /expected \{ cluster, host\? \}/],
    [
      'placement.cluster',
      'cluster-z',
      'placement.cluster',
      /unknown cluster "cluster-z": expected one of cluster-a, cluster-b/,
    ],
    [
      'placement.host',
      'host-9',
      'placement.host',
      /unknown host "host-9" in cluster cluster-a: expected one of host-1/,
    ],
    ['placement.rack', 'r1', 'placement', /rack/],
    ['migration.targetDowntime', '300', 'migration.targetDowntime', /"300" is not a duration.*"300ms"/],
    ['migration.timeout', 'soon', 'migration.timeout', /"soon" is not a duration/],
    [
      'migration.targetDowntime',
      '0s',
      'migration.targetDowntime',
      /"0s" is zero: expected a duration above zero/,
    ],
    ['migration.timeout', '0ms', 'migration.timeout', /"0ms" is zero/],
    [
      'migration.strategy',
      'teleport',
      'migration.strategy',
      /expected one of auto, pre-copy, post-copy, stop-and-copy/,
    ],
    [
      'migration.strategy',
      'post-copy',
      'migration.strategy',
      /post-copy is not supported.*expected auto, pre-copy or stop-and-copy/,
    ],
    ['migration.maxRounds', 2.5, 'migration.maxRounds', /whole number/],
    ['migration.postCopyAllowed', 'yes', 'migration.postCopyAllowed', /true or false/],
    ['healthProbe', [], 'healthProbe', /at least the program/],
    ['ports', [{ internal: 0 }], 'ports[0].internal', /port inside the container in 1\.\.65535/],
    ['ports', [{ internal: 80, external: 70000 }], 'ports[0].external', /port on the host in 1\.\.65535/],
    ['ports', [{ internal: 80, protocol: 'sctp' }], 'ports[0].protocol', /"tcp" or "udp"/],
    ['ports', [{ internal: 80, ip: 'eth0' }], 'ports[0].ip', /IPv4 or IPv6 address/],
    ['ports', [{ internal: 80, hostPort: 1 }], 'ports[0]', /unknown field.*hostPort/],
    ['ports', [{ internal: 80 }, { internal: 8080, external: 80 }], 'ports', /same host port/],
    ['restart', 'sometimes', 'restart', /expected one of no, on-failure, always, unless-stopped/],
    ['networks', [{ name: 'a' }, { name: 'b' }], 'networks', /at most one network/],
    ['networks', [{ name: '' }], 'networks[0].name', /must not be empty/],
  ])('%s = %j fails on %s', (path, value, property, reason) => {
    const v = validateInputs(withField(inputs(), path, value), clusters());
    expect(v.inputs).toBeUndefined();
    expect(v.failures).toHaveLength(1);
    expect(v.failures[0]!.property).toBe(property);
    expect(v.failures[0]!.reason).toMatch(reason);
  });

  it('reports one failure per bad field', () => {
    let bad = withField(inputs(), 'image', 42);
    bad = withField(bad, 'migration.targetDowntime', 'fast');
    bad = withField(bad, 'placement.cluster', 'nowhere');
    const props = validateInputs(bad, clusters())
      .failures.map((f) => f.property)
      .sort();
    expect(props).toEqual(['image', 'migration.targetDowntime', 'placement.cluster']);
  });

  it.each([['image'], ['placement'], ['placement.cluster'], ['migration.targetDowntime'], ['command']])(
    'does not judge %s while it is unknown (preview)',
    (path) => {
      const v = validateInputs(withField(inputs(), path, UNKNOWN), clusters());
      expect(v.failures).toEqual([]);
      expect(v.inputs).toBeUndefined();
    },
  );

  it('says why a cluster cannot be checked when the config is missing', () => {
    const v = validateInputs(inputs(), 'no ferry:clusters in the stack config');
    expect(v.failures).toEqual([
      {
        property: 'placement.cluster',
        reason: expect.stringMatching(/cannot check cluster "cluster-a": no ferry:clusters/),
      },
    ]);
  });

  it('ignores the __provider property', () => {
    expect(validateInputs({ ...inputs(), __provider: 'exports.handler = ...' }, clusters()).failures).toEqual(
      [],
    );
  });
});

describe('config: ferry:clusters', () => {
  it('accepts the JSON text the provider receives, ports given as text', () => {
    const text = JSON.stringify(
      withField(clusters(), 'clusters', [
        { ...clusters().clusters[0]!, hosts: [{ ...clusters().clusters[0]!.hosts[0]!, port: '2222' }] },
      ]),
    );
    const c = readClusters(text);
    expect(typeof c).toBe('object');
    expect(typeof c === 'object' && c.clusters[0]!.hosts[0]!.port).toBe(2222);
  });

  it.each([
    ['hostKey', undefined, /hostKey: missing host key: expected the host's public key/],
    ['hostKey', 'ssh-ed25519 not-base64!', /hostKey: malformed host key/],
    [
      'privateKeyPath',
      undefined,
      /privateKey: missing SSH private key: expected privateKey \(a secret\) or privateKeyPath/,
    ],
    ['port', 70000, /port: expected a TCP port in 1..65535/],
    ['dockerSocket', undefined, /dockerSocket: .*Docker Engine socket path/],
    [
      'dockerSocket',
      'run/docker.sock',
      /dockerSocket: "run\/docker.sock" is relative: expected .* absolute path/,
    ],
    ['workDir', 'ferry', /workDir: "ferry" is relative/],
    ['dockerDataRoot', 'var/lib/docker', /dockerDataRoot: "var\/lib\/docker" is relative/],
  ])('host field %s = %j is refused', (field, value, reason) => {
    const file = clusters();
    const host = withField(file.clusters[0]!.hosts[0]!, field, value);
    const parsed = parseClusters({ clusters: [{ name: 'cluster-a', hosts: [host] }] });
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.problems.map((p) => `${p.property}: ${p.reason}`).join('\n')).toMatch(reason);
  });

  it('refuses duplicate cluster names', () => {
    const c = clusters().clusters[0]!;
    const parsed = parseClusters({ clusters: [c, c] });
    expect(!parsed.ok && parsed.problems[0]!.reason).toMatch(/duplicate cluster "cluster-a"/);
  });

  it.each([
    [undefined, /no ferry:clusters in the stack config/],
    ['{not json', /is not JSON/],
    [JSON.stringify({ clusters: [] }), /at least one cluster/],
  ])('readClusters(%j) explains the problem', (raw, message) => {
    expect(readClusters(raw)).toMatch(message);
  });

  it('keeps the pinned key it was given', () => {
    const c = readClusters(JSON.stringify(clusters()));
    expect(typeof c === 'object' && c.clusters[1]!.hosts[0]!.hostKey).toBe(HOST_KEY);
  });
});
