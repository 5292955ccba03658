/**
 * Configuration and command lines of each host's containerd and Docker Engine (pure).
 *
 * Each host gets its own containerd (started by the test bed, not by dockerd): dockerd 20.10 silently uses
 * the system containerd whenever `/run/containerd/containerd.sock` exists, which would mix engines.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { ClusterPlan } from './address-plan';
import type { HostPaths } from './paths';

/** Directory of network namespace handles made by `ip netns add`. */
export const NETNS_DIR = '/var/run/netns';

/**
 * Runs `argv` in network namespace `netns` only (mount, PID namespaces stay the machine's). `ip netns exec`
 * is not used: it remounts /sys, and dockerd then fails with "Devices cgroup isn't mounted".
 */
export function inNetns(netns: string, argv: readonly string[]): string[] {
  return ['nsenter', `--net=${NETNS_DIR}/${netns}`, '--', ...argv];
}

/** Environment of the daemons: PATH starts with /usr/local/sbin so runc finds the CRIU wrapper there. */
export function daemonEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const rest = (env.PATH ?? '/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin')
    .split(':')
    .filter((p) => p !== '' && p !== '/usr/local/sbin');
  return { ...env, PATH: ['/usr/local/sbin', ...rest].join(':') };
}

const tomlString = (s: string): string => JSON.stringify(s);

/** containerd's config: everything under the host dir, CRI plugin off (not needed, noisy). */
export function containerdToml(p: HostPaths): string {
  return [
    '# Written by ferry testbed; removed by `ferry testbed down`.',
    'version = 2',
    `root = ${tomlString(p.containerdRoot)}`,
    `state = ${tomlString(p.containerdState)}`,
    'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
    '',
    '[grpc]',
    `  address = ${tomlString(p.containerdSocket)}`,
    '',
    '[ttrpc]',
    `  address = ${tomlString(`${p.containerdSocket}.ttrpc`)}`,
    '',
    '[debug]',
    '  address = ""',
    '',
    '[metrics]',
    '  address = ""',
    '',
    '[plugins]',
    '  [plugins."io.containerd.internal.v1.opt"]',
    `    path = ${tomlString(p.containerdOpt)}`,
    '',
  ].join('\n');
}

/** containerd's command line, run inside the cluster's namespace. */
export function containerdArgv(c: ClusterPlan, p: HostPaths): string[] {
  return inNetns(c.netns, ['containerd', '--config', p.containerdConfig]);
}

/** dockerd's own config file: empty, so that /etc/docker/daemon.json is never read. */
export const DOCKERD_CONFIG_JSON = '{}\n';

/**
 * dockerd's command line, run inside the cluster's namespace: the flags ENVIRONMENT.md verified, plus its own
 * containerd and cgroup parent, and the default bridge network with iptables NAT inside the namespace (so
 * that published ports work on the host's address, as on a real host). No IPv6 rules.
 */
export function dockerdArgv(c: ClusterPlan, p: HostPaths): string[] {
  return inNetns(c.netns, [
    'dockerd',
    '--experimental',
    '--config-file', p.dockerConfig,
    '--containerd', p.containerdSocket,
    '--data-root', p.dockerDataRoot,
    '--exec-root', p.dockerExecRoot,
    '--pidfile', p.dockerPidFile,
    '-H', `unix://${p.dockerSocket}`,
    '--ip6tables=false',
    '--cgroup-parent', c.cgroupParent,
  ]); // prettier-ignore
}

/**
 * A token found in the command line of each daemon of host `p`, used to tell our process from an unrelated
 * one that reuses its pid.
 */
export function daemonTokens(p: HostPaths): { containerd: string; dockerd: string; sshd: string } {
  return { containerd: p.containerdConfig, dockerd: p.dockerDataRoot, sshd: p.sshdConfig };
}

/** containerd's namespace for Docker's containers. */
export const DOCKER_CONTAINERD_NAMESPACE = 'moby';

/**
 * Where containerd 1.6 puts the socket of a container's runc shim: `/run/containerd/s/<sha256 hex of
 * "<containerd socket>/<namespace>/<id>">`, outside the state dir. A shim killed by `down` leaves it behind,
 * so `down` removes it by recomputing the name.
 */
export function shimSocketPath(
  containerdSocket: string,
  id: string,
  namespace = DOCKER_CONTAINERD_NAMESPACE,
): string {
  const digest = createHash('sha256')
    .update(path.join(containerdSocket, namespace, id))
    .digest('hex');
  return `/run/containerd/s/${digest}`;
}
