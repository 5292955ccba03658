/** OpenSSH configuration of the test bed (pure): each host's sshd_config, the known_hosts and ssh_config. */
import { InvalidInput } from '../provider/errors';
import { SSH_PORT, peerAddress, type ClusterPlan } from './address-plan';
import { inNetns } from './daemon-config';
import { TESTBED_USER } from './login-user';
import type { HostPaths, TestbedPaths } from './paths';

/** Path of sshd: it must be absolute, sshd re-executes itself. */
export const SSHD_BIN = '/usr/sbin/sshd';

/**
 * sshd_config of one host: listens only on the host's address, root by key only, the test bed's client key
 * authorised, and `DOCKER_HOST` set for sessions so that `docker` run over SSH talks to this host's engine.
 * `StrictModes no` because the state dir may sit under a world-writable directory such as /tmp.
 */
export function sshdConfigText(
  c: ClusterPlan,
  host: HostPaths,
  bed: Pick<TestbedPaths, 'clientKeyPub'>,
): string {
  return [
    `# ${c.hostKey}: written by ferry testbed; removed by \`ferry testbed down\`.`,
    `ListenAddress ${c.hostAddress}:${SSH_PORT}`,
    `HostKey ${host.hostKey}`,
    `PidFile ${host.sshdPidFile}`,
    `AuthorizedKeysFile ${bed.clientKeyPub}`,
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'StrictModes no',
    'UseDNS no',
    'X11Forwarding no',
    'AllowTcpForwarding yes',
    'AllowStreamLocalForwarding yes',
    'MaxSessions 64',
    'MaxStartups 64:30:128',
    'LogLevel VERBOSE',
    'Subsystem sftp internal-sftp',
    `SetEnv DOCKER_HOST=unix://${host.dockerSocket} FERRY_CLUSTER=${c.name} FERRY_HOST=${c.hostName}`,
    '',
  ].join('\n');
}

/** sshd's command line: foreground (`-D`, so the test bed knows its pid), log to a file, in the cluster's namespace. */
export function sshdArgv(c: ClusterPlan, host: HostPaths): string[] {
  return inNetns(c.netns, [SSHD_BIN, '-D', '-f', host.sshdConfig, '-E', host.sshdLog]);
}

/** `"<type> <base64>"` from a `.pub` file's text (the comment dropped). */
export function publicKeyOf(pubFileText: string): string {
  const [type, key] = pubFileText.trim().split(/\s+/);
  if (!type || !key) throw new InvalidInput('public key', pubFileText.slice(0, 80), 'an OpenSSH public key');
  return `${type} ${key}`;
}

/**
 * known_hosts for everything: each host key under its management address (reached from the machine running
 * Ferry) and under every peer address at which another cluster reaches it across a link.
 * @param hostKeys - `"<type> <base64>"` of each cluster's host, by cluster name.
 */
export function knownHostsText(
  clusters: readonly ClusterPlan[],
  hostKeys: ReadonlyMap<string, string>,
): string {
  const lines: string[] = [];
  for (const c of clusters) {
    const key = hostKeys.get(c.name);
    if (key === undefined) throw new InvalidInput('hostKeys', c.name, 'a host key for every cluster');
    const names = [c.hostAddress, ...clusters.filter((o) => o !== c).map((o) => peerAddress(o, c))];
    lines.push(`# ${c.hostKey}`, `${names.join(',')} ${key}`);
  }
  return `${lines.join('\n')}\n`;
}

/** An ssh_config for `ssh -F <file> <address>`: the client key, pinned host keys, no agent, no prompts. */
export function sshClientConfigText(bed: Pick<TestbedPaths, 'clientKey' | 'knownHosts'>): string {
  return [
    '# Written by ferry testbed. Use: ssh -F <this file> <address>',
    'Host *',
    `  User ${TESTBED_USER}`,
    `  IdentityFile ${bed.clientKey}`,
    '  IdentitiesOnly yes',
    `  UserKnownHostsFile ${bed.knownHosts}`,
    '  GlobalKnownHostsFile /dev/null',
    '  StrictHostKeyChecking yes',
    '  BatchMode yes',
    '  ConnectTimeout 10',
    '',
  ].join('\n');
}
