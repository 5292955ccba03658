/**
 * `ferry testbed down`: removes everything the bed created and nothing else. Works from the names alone
 * (namespaces `ferry-wan`, `ferry-c1..4`, cgroups `/ferry-c1..4`, veth `ferry-mgmt`, the state dir), so it
 * also cleans up after a half-failed `up` or a lost state file. Idempotent.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidInput } from '../provider/errors';
import { formatDuration, seconds, type Duration } from '../provider/units';
import { MAX_CLUSTERS, WAN_NETNS, allNetnsNames, clusterPlan, type ClusterPlan } from './address-plan';
import { shimSocketPath } from './daemon-config';
import { dockerPing, dockerRequest } from './health';
import { withLock } from './lock';
import { removeLoginUser } from './login-user';
import { unmountAllUnder } from './mounts';
import { netnsExists, teardownNetwork } from './network';
import { defaultStateDir, testbedPaths, type TestbedPaths } from './paths';
import { cgroupDirs, findOurProcess, killEverything, removeCgroups, signalAll, waitGone } from './processes';

/** Options of {@link testbedDown}. */
export interface TestbedDownOptions {
  /** State dir (default `FERRY_TESTBED_DIR` or /var/lib/ferry/testbed). */
  readonly stateDir?: string;
  /** Receives progress lines. */
  readonly onProgress?: (line: string) => void;
}

/** What {@link testbedDown} left behind (all empty when it succeeded) and how long it took. */
export interface TestbedDownResult {
  /** Wall time, seconds. */
  readonly elapsed: Duration;
  /** Processes still alive (pids). */
  readonly processes: readonly number[];
  /** Mount points still under the state dir. */
  readonly mounts: readonly string[];
  /** Namespaces, links and cgroups still present, and other failures. */
  readonly other: readonly string[];
}

const ALL_CLUSTERS: ClusterPlan[] = Array.from({ length: MAX_CLUSTERS }, (_, i) => clusterPlan(i + 1));

/** Kills the containers through the engine so containerd and its shims clean up after themselves. */
async function stopContainers(socket: string): Promise<void> {
  if (!(await dockerPing(socket, 1000))) return;
  try {
    const list = await dockerRequest(socket, 'GET', '/containers/json', 5000);
    const ids = (JSON.parse(list.body) as { Id: string }[]).map((c) => c.Id);
    await Promise.all(
      ids.map((id) => dockerRequest(socket, 'POST', `/containers/${id}/kill`, 5000).catch(() => undefined)),
    );
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      const left = await dockerRequest(socket, 'GET', '/containers/json', 5000);
      if ((JSON.parse(left.body) as unknown[]).length === 0) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch {
    // the sweep below kills whatever is left
  }
}

/** Stops one daemon found by its command line in its namespace: SIGTERM, then SIGKILL after `graceMs`. */
async function stopDaemon(netns: string, token: string, graceMs: number): Promise<void> {
  const pid = findOurProcess(netns, token);
  if (pid === undefined) return;
  signalAll([pid], 'SIGTERM');
  if ((await waitGone([pid], graceMs)).length > 0) signalAll([pid], 'SIGKILL');
}

/** Container ids the host's engine or runc knew (for shim socket cleanup). */
function containerIds(paths: TestbedPaths, c: ClusterPlan): string[] {
  const hp = paths.host(c);
  const ids = new Set<string>();
  for (const dir of [path.join(hp.dockerDataRoot, 'containers'), hp.runtimeRoot]) {
    try {
      for (const n of fs.readdirSync(dir)) if (/^[0-9a-f]{64}$/.test(n)) ids.add(n);
    } catch {
      // none
    }
  }
  return [...ids];
}

function removeStateDir(paths: TestbedPaths): string[] {
  if (!fs.existsSync(paths.stateDir)) return [];
  let marker: { createdRoot?: string } | undefined;
  try {
    marker = JSON.parse(fs.readFileSync(paths.marker, 'utf8')) as { createdRoot?: string };
  } catch {
    marker = undefined;
  }
  const names = fs.readdirSync(paths.stateDir).filter((n) => n !== '.lock');
  if (marker === undefined && names.length > 0) {
    return [
      `${paths.stateDir} kept: it has no ${path.basename(paths.marker)} marker, so it is not the test bed's`,
    ];
  }
  fs.rmSync(paths.stateDir, { recursive: true, force: true });
  // Remove the parents `up` created (e.g. /var/lib/ferry), if nothing else is in them.
  const root = marker?.createdRoot;
  if (root !== undefined && (paths.stateDir === root || paths.stateDir.startsWith(`${root}/`))) {
    for (let d = path.dirname(paths.stateDir); d.length >= root.length; d = path.dirname(d)) {
      try {
        fs.rmdirSync(d);
      } catch {
        break;
      }
    }
  }
  return [];
}

/**
 * Tears the bed down: kills containers, daemons and the relay, sweeps every process left in the bed's
 * namespaces and cgroups (with descendants), unmounts everything under the state dir, removes cgroups,
 * shim sockets, namespaces and veths, and deletes the state dir.
 * @returns what is left (normally nothing).
 * @throws InvalidInput when the state dir path is invalid.
 */
export async function testbedDown(options: TestbedDownOptions = {}): Promise<TestbedDownResult> {
  const started = Date.now();
  const say = options.onProgress ?? (() => undefined);
  const step = (what: string): void =>
    say(`[${formatDuration(seconds((Date.now() - started) / 1000))}] ${what}`);
  const paths = testbedPaths(options.stateDir ?? defaultStateDir());
  if (fs.existsSync(paths.stateDir) && !fs.statSync(paths.stateDir).isDirectory()) {
    throw new InvalidInput('FERRY_TESTBED_DIR', paths.stateDir, 'a directory');
  }
  const body = async (): Promise<TestbedDownResult> => {
    const other: string[] = [];
    await stopDaemon(WAN_NETNS, paths.relayConfig, 2000);
    await Promise.all(
      ALL_CLUSTERS.filter((c) => netnsExists(c.netns)).map(async (c) => {
        const hp = paths.host(c);
        await stopContainers(hp.dockerSocket);
        await stopDaemon(c.netns, hp.dockerDataRoot, 10000);
        await stopDaemon(c.netns, hp.containerdConfig, 5000);
        await stopDaemon(c.netns, hp.sshdConfig, 2000);
      }),
    );
    step('containers, daemons and relay stopped');
    const processes = await killEverything(
      allNetnsNames(),
      ALL_CLUSTERS.map((c) => c.cgroupParent.slice(1)),
    );
    if (processes.length > 0) other.push(`processes still alive: ${processes.join(', ')}`);
    for (const c of ALL_CLUSTERS) {
      for (const id of containerIds(paths, c))
        fs.rmSync(shimSocketPath(paths.host(c).containerdSocket, id), { force: true });
    }
    const mounts = fs.existsSync(paths.stateDir) ? await unmountAllUnder(paths.stateDir) : [];
    step(`processes swept, mounts under ${paths.stateDir} removed`);
    for (const c of ALL_CLUSTERS) {
      const left = removeCgroups(c.cgroupParent.slice(1));
      if (left.length > 0) other.push(`cgroups not removed: ${left.join(', ')}`);
    }
    other.push(...(await teardownNetwork()));
    other.push(...(await removeLoginUser()));
    step('namespaces and veths deleted');
    if (mounts.length === 0) other.push(...removeStateDir(paths));
    else other.push(`${paths.stateDir} kept: mounts remain under it`);
    for (const n of allNetnsNames()) if (netnsExists(n)) other.push(`netns ${n} still exists`);
    for (const c of ALL_CLUSTERS)
      for (const d of cgroupDirs(c.cgroupParent.slice(1))) other.push(`cgroup ${d} still exists`);
    const elapsed = seconds((Date.now() - started) / 1000);
    step(
      other.length === 0 && processes.length === 0
        ? 'down: nothing left'
        : `down: left behind: ${other.join('; ')}`,
    );
    return { elapsed, processes, mounts, other };
  };
  return fs.existsSync(paths.stateDir) ? withLock(paths, 'testbed down', body, 120) : body();
}
