/** SSH keys of the test bed (thin I/O): one client key pair, one host key per host, known_hosts, ssh_config. */
import * as fs from 'node:fs';
import type { ClusterPlan } from './address-plan';
import { run } from './exec';
import type { HostPaths, TestbedPaths } from './paths';
import { knownHostsText, publicKeyOf, sshClientConfigText } from './ssh-config';
import { writeFileAtomic } from './state';

async function keygen(file: string, comment: string): Promise<void> {
  await run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
  fs.chmodSync(file, 0o600);
}

/** Creates the client key pair (private key 0600 in a 0700 dir) unless it exists. */
export async function ensureClientKey(paths: TestbedPaths): Promise<void> {
  fs.mkdirSync(paths.keysDir, { recursive: true, mode: 0o700 });
  fs.chmodSync(paths.keysDir, 0o700);
  if (!fs.existsSync(paths.clientKey) || !fs.existsSync(paths.clientKeyPub)) {
    fs.rmSync(paths.clientKey, { force: true });
    fs.rmSync(paths.clientKeyPub, { force: true });
    await keygen(paths.clientKey, 'ferry-testbed-client');
  }
}

/** Creates host `c`'s ed25519 host key unless it exists; returns its public key `"<type> <base64>"`. */
export async function ensureHostKey(c: ClusterPlan, hp: HostPaths): Promise<string> {
  if (!fs.existsSync(hp.hostKey) || !fs.existsSync(hp.hostKeyPub)) {
    fs.mkdirSync(hp.dir + '/ssh', { recursive: true, mode: 0o700 });
    fs.rmSync(hp.hostKey, { force: true });
    fs.rmSync(hp.hostKeyPub, { force: true });
    await keygen(hp.hostKey, `ferry-testbed ${c.hostKey}`);
  }
  return publicKeyOf(fs.readFileSync(hp.hostKeyPub, 'utf8'));
}

/** Writes known_hosts (every host key under every address it is reached at) and ssh_config. */
export function writeSshClientFiles(
  paths: TestbedPaths,
  clusters: readonly ClusterPlan[],
  hostKeys: ReadonlyMap<string, string>,
): void {
  writeFileAtomic(paths.knownHosts, knownHostsText(clusters, hostKeys), 0o644);
  writeFileAtomic(paths.sshConfig, sshClientConfigText(paths), 0o644);
}
