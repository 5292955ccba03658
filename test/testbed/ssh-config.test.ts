import { InvalidInput } from '../../provider/errors';
import { clusterPlans } from '../../testbed/address-plan';
import { testbedPaths } from '../../testbed/paths';
import {
  knownHostsText,
  publicKeyOf,
  sshClientConfigText,
  sshdArgv,
  sshdConfigText,
} from '../../testbed/ssh-config';

const paths = testbedPaths('/srv/bed');
const [a, b, c] = clusterPlans(3) as [
  ReturnType<typeof clusterPlans>[0],
  ReturnType<typeof clusterPlans>[0],
  ReturnType<typeof clusterPlans>[0],
];

describe('sshdConfigText', () => {
  const text = sshdConfigText(a, paths.host(a), paths);
  it.each([
    'ListenAddress 198.18.1.2:22',
    'HostKey /srv/bed/cluster-a/host-1/ssh/ssh_host_ed25519_key',
    'PidFile /srv/bed/cluster-a/host-1/ssh/sshd.pid',
    'AuthorizedKeysFile /srv/bed/keys/id_ed25519.pub',
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'UsePAM no',
    'SetEnv DOCKER_HOST=unix:///srv/bed/cluster-a/host-1/docker.sock FERRY_CLUSTER=cluster-a FERRY_HOST=host-1',
  ])('has %s', (line) => expect(text.split('\n')).toContain(line));

  it('runs sshd in the foreground in the cluster namespace, logging to a file', () => {
    expect(sshdArgv(a, paths.host(a))).toEqual([
      'nsenter', '--net=/var/run/netns/ferry-c1', '--', '/usr/sbin/sshd', '-D',
      '-f', '/srv/bed/cluster-a/host-1/ssh/sshd_config', '-E', '/srv/bed/cluster-a/host-1/log/sshd.log',
    ]); // prettier-ignore
  });
});

describe('publicKeyOf', () => {
  it.each([
    ['ssh-ed25519 AAAAC3Nz comment here\n', 'ssh-ed25519 AAAAC3Nz'],
    ['  ssh-ed25519   AAAA  ', 'ssh-ed25519 AAAA'],
  ])('%j -> %s', (text, key) => expect(publicKeyOf(text)).toBe(key));
  it.each(['', 'ssh-ed25519'])('rejects %j', (text) => expect(() => publicKeyOf(text)).toThrow(InvalidInput));
});

describe('knownHostsText', () => {
  const keys = new Map([
    ['cluster-a', 'ssh-ed25519 KA'],
    ['cluster-b', 'ssh-ed25519 KB'],
    ['cluster-c', 'ssh-ed25519 KC'],
  ]);
  const lines = knownHostsText([a, b, c], keys).split('\n');
  it.each([
    ['198.18.1.2,198.18.2.11,198.18.3.11 ssh-ed25519 KA'],
    ['198.18.2.2,198.18.1.12,198.18.3.12 ssh-ed25519 KB'],
    ['198.18.3.2,198.18.1.13,198.18.2.13 ssh-ed25519 KC'],
  ])('pins %s', (line) => expect(lines).toContain(line));
  it('needs every key', () => expect(() => knownHostsText([a, b], new Map())).toThrow(InvalidInput));
});

describe('sshClientConfigText', () => {
  it('pins host keys and uses the client key', () => {
    const t = sshClientConfigText(paths);
    expect(t).toContain('IdentityFile /srv/bed/keys/id_ed25519');
    expect(t).toContain('UserKnownHostsFile /srv/bed/keys/known_hosts');
    expect(t).toContain('StrictHostKeyChecking yes');
  });
});
