/**
 * The campaign's view of the test bed and its repairs (thin I/O over the bed's library): where each host's
 * socket, runc root, work dir and daemons are; whether everything answers; bring back what a fault stopped
 * (`testbedUp` restarts dead daemons and the relay), uncut the link, remove the trial's containers.
 */
import * as fs from 'node:fs';
import type { HostConfig } from '../../provider/config/clusters';
import type { BytesPerSecond, Duration } from '../../provider/units';
import { resolveCluster, type ClusterPlan } from '../address-plan';
import { daemonTokens } from '../daemon-config';
import { loadTestbed } from '../load';
import { restoreLink } from '../link';
import type { HostPaths } from '../paths';
import { isAlive, isOurProcess } from '../processes';
import { relayStatus } from '../relay-control';
import { testbedUp, type Testbed } from '../up';
import { engineAnswers, listContainers, removeContainer } from './docker-api';
import type { HostDirs } from './footprint-scan';
import type { ClusterName } from './plan';
import type { SampledHost } from './sampler';

/** One host of the bed as the campaign uses it. */
export interface BedHost extends SampledHost, HostDirs {
  /** Its plan (namespace name...). */
  readonly plan: ClusterPlan;
  /** Its files. */
  readonly paths: HostPaths;
  /** Its entry of clusters.json. */
  readonly config: HostConfig;
}

/** The running bed and its two hosts. */
export interface BedView {
  /** The bed. */
  readonly bed: Testbed;
  /** Host of each cluster. */
  readonly hosts: Readonly<Record<ClusterName, BedHost>>;
}

/** The view of a loaded bed. */
export function viewOf(bed: Testbed): BedView {
  const host = (name: ClusterName): BedHost => {
    const plan = resolveCluster(name, bed.state.clusterCount);
    const paths = bed.paths.host(plan);
    const config = bed.clusters.clusters.find((c) => c.name === name)?.hosts[0];
    if (config === undefined) throw new Error(`the bed's clusters file has no host of ${name}`);
    return {
      cluster: name,
      plan,
      paths,
      config,
      socket: config.dockerSocket,
      runtimeRoot: config.runtimeRoot ?? paths.runtimeRoot,
      workDir: config.workDir,
      dataRoot: config.dockerDataRoot ?? paths.dockerDataRoot,
      authorizedKeysFile: config.authorizedKeysFile ?? bed.paths.clientKeyPub,
    };
  };
  return { bed, hosts: { 'cluster-a': host('cluster-a'), 'cluster-b': host('cluster-b') } };
}

/** The pid of a host's dockerd (its pid file, checked against its command line and namespace), if it runs. */
export function dockerdPid(v: BedView, cluster: ClusterName): number | undefined {
  const h = v.hosts[cluster];
  let pid: number | undefined;
  try {
    pid = Number(fs.readFileSync(h.paths.dockerPidFile, 'utf8').trim());
  } catch {
    pid = undefined;
  }
  const token = daemonTokens(h.paths).dockerd;
  if (pid !== undefined && isOurProcess(pid, h.plan.netns, token)) return pid;
  const recorded = loadTestbed(v.bed.paths.stateDir).state.hosts.find((x) => x.cluster === cluster)?.pids
    .dockerd;
  return isOurProcess(recorded, h.plan.netns, token) ? recorded : undefined;
}

/** The relay's pid (the bed's state file), if it runs. */
export function relayPid(v: BedView): number | undefined {
  const pid = loadTestbed(v.bed.paths.stateDir).state.relayPid;
  return isAlive(pid) ? pid : undefined;
}

/** Waits up to `waitMs` milliseconds for `pid` to end; resolves whether it ended. */
export async function waitExit(pid: number, waitMs: number): Promise<boolean> {
  for (const until = Date.now() + waitMs; Date.now() < until;) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !isAlive(pid);
}

/** Sends `signal` to `pid` and waits up to `waitMs` for it to end; resolves whether it ended. */
export async function signalAndWait(pid: number, signal: NodeJS.Signals, waitMs: number): Promise<boolean> {
  try {
    process.kill(pid, signal);
  } catch {
    return true;
  }
  return waitExit(pid, waitMs);
}

/** What is wrong with the bed now (empty: every engine and the relay answer, the link is not cut). */
export async function bedProblems(v: BedView): Promise<string[]> {
  const out: string[] = [];
  for (const h of Object.values(v.hosts))
    if (!(await engineAnswers(h.socket))) out.push(`${h.cluster}: dockerd does not answer`);
  const relay = await relayStatus(v.bed.paths);
  if (relay?.ok !== true) out.push('the relay does not answer');
  for (const l of loadTestbed(v.bed.paths.stateDir).state.links)
    if (l.cut !== 'none') out.push(`link ${l.id} is cut (${l.cut})`);
  return out;
}

/** Link settings the campaign wants on every link. */
export interface LinkWish {
  /** RTT, seconds. */
  readonly rtt?: Duration;
  /** Bandwidth, bytes per second. */
  readonly bandwidth?: BytesPerSecond;
}

/**
 * Brings everything back: `testbedUp` (restarts dead daemons and the relay, applies `link`), uncuts every
 * link, and checks. Resolves the fresh view and what was wrong before.
 * @throws Error when the bed is still broken afterwards.
 */
export async function repairBed(
  link: LinkWish,
  image = false,
  say: (line: string) => void = () => undefined,
): Promise<{ view: BedView; was: string[] }> {
  let was: string[] = [];
  try {
    was = await bedProblems(viewOf(loadTestbed()));
  } catch (e) {
    was = [`no bed loaded: ${(e as Error).message.split('\n')[0]}`];
  }
  await testbedUp({ ...link, workloadImage: image, onProgress: (l) => say(`testbed: ${l}`) });
  const bed = loadTestbed();
  for (const l of bed.state.links) if (l.cut !== 'none') await restoreLink(l.a, l.b);
  const view = viewOf(loadTestbed());
  const still = await bedProblems(view);
  if (still.length > 0) throw new Error(`the bed is still broken after a repair: ${still.join('; ')}`);
  return { view, was };
}

/** Removes every container whose name starts with `prefix` on both hosts; resolves what was removed. */
export async function removeTrialContainers(v: BedView, prefix: string): Promise<string[]> {
  const removed: string[] = [];
  for (const h of Object.values(v.hosts)) {
    for (const c of await listContainers(h.socket, `^/${prefix}`, 5000)) {
      await removeContainer(h.socket, c.id);
      removed.push(`${h.cluster}:${c.name}`);
    }
  }
  return removed;
}
