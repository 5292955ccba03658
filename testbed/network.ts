/** Creating and deleting the test bed's namespaces, veths, addresses, routes and rules (thin I/O). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PrerequisiteMissing } from '../provider/errors';
import { MGMT_ROOT_IF, TESTBED_RANGE, WAN_NETNS, allNetnsNames, type ClusterPlan } from './address-plan';
import { NETNS_DIR } from './daemon-config';
import { run, tryRun } from './exec';
import {
  clusterConfigArgv,
  clusterVethCreateArgv,
  mgmtVethCreateArgv,
  rangeConflicts,
  ruleAddArgv,
  ruleDeleteArgv,
  rulePrefs,
  wanConfigArgv,
} from './net-plan';

/** True if the named network namespace exists. */
export function netnsExists(name: string): boolean {
  return fs.existsSync(path.join(NETNS_DIR, name));
}

async function ensureNetns(name: string): Promise<void> {
  if (!netnsExists(name)) await run(['ip', 'netns', 'add', name], { where: 'root namespace' });
}

async function linkExists(netns: string | undefined, dev: string): Promise<boolean> {
  const argv = netns ? ['ip', '-n', netns, 'link', 'show', dev] : ['ip', 'link', 'show', dev];
  return (await tryRun(argv)).code === 0;
}

/**
 * Refuses to build on a machine where something else already uses 198.18.0.0/15 in the root namespace.
 * @throws PrerequisiteMissing naming the conflicting addresses and routes.
 */
export async function checkRangeFree(): Promise<void> {
  const addrs = await run(['ip', '-j', '-4', 'addr', 'show']);
  const routes = await run(['ip', '-j', '-4', 'route', 'show']);
  const conflicts = rangeConflicts(addrs.stdout, routes.stdout);
  if (conflicts.length > 0) {
    throw new PrerequisiteMissing(
      'free address range',
      `${TESTBED_RANGE} is already in use: ${conflicts.join('; ')}`,
      {
        hint: 'remove those addresses/routes (or the tool that made them) before `ferry testbed up`',
      },
    );
  }
}

/** Builds (or completes) the network of `clusters`: idempotent. */
export async function ensureNetwork(clusters: readonly ClusterPlan[]): Promise<void> {
  await ensureNetns(WAN_NETNS);
  if (!(await linkExists(undefined, MGMT_ROOT_IF))) await run(mgmtVethCreateArgv());
  for (const argv of wanConfigArgv()) await run(argv, { where: WAN_NETNS });
  for (const c of clusters) {
    await ensureNetns(c.netns);
    if (!(await linkExists(WAN_NETNS, c.wanInterface)))
      await run(clusterVethCreateArgv(c), { where: WAN_NETNS });
    for (const argv of clusterConfigArgv(c, clusters)) await run(argv, { where: c.netns });
    for (const pref of rulePrefs(c)) {
      for (let i = 0; i < 10 && (await tryRun(ruleDeleteArgv(pref))).code === 0; i++);
    }
    for (const argv of ruleAddArgv(c)) await run(argv, { where: WAN_NETNS });
  }
}

/** Deletes every namespace the test bed may have made and the management veth; idempotent. */
export async function teardownNetwork(): Promise<string[]> {
  const failed: string[] = [];
  for (const name of [...allNetnsNames()].reverse()) {
    if (!netnsExists(name)) continue;
    const r = await tryRun(['ip', 'netns', 'del', name]);
    if (r.code !== 0) failed.push(`netns ${name}: ${r.stderr.trim()}`);
  }
  if (await linkExists(undefined, MGMT_ROOT_IF)) {
    // deleting the WAN namespace removes this veth's peer, and the kernel then removes this end on its own,
    // a moment later: a failed delete of a link that is gone by now is that race, not a leftover
    const r = await tryRun(['ip', 'link', 'del', MGMT_ROOT_IF]);
    if (r.code !== 0 && (await linkExists(undefined, MGMT_ROOT_IF)))
      failed.push(`link ${MGMT_ROOT_IF}: ${r.stderr.trim()}`);
  }
  return failed;
}
