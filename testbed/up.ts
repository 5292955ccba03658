/** `ferry testbed up`: builds the bed, or checks and completes a running one (idempotent). */
import { ensureLoginUser } from './login-user';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ClustersFile } from '../provider/config/clusters';
import { InvalidInput, PrerequisiteMissing } from '../provider/errors';
import { formatDuration, seconds, type BytesPerSecond, type Duration } from '../provider/units';
import { clusterPlans, validateClusterCount, MIN_CLUSTERS, SERVICE_PORTS, SSH_PORT } from './address-plan';
import { buildClustersFile } from './clusters-file';
import { ensureContainerd, ensureDockerd, ensureSshd } from './daemons';
import { ensureClientKey, ensureHostKey, writeSshClientFiles } from './keys';
import { DEFAULT_BANDWIDTH, DEFAULT_RTT, validateBandwidth, validateRtt } from './link-settings';
import { withLock } from './lock';
import { checkRangeFree, ensureNetwork } from './network';
import { defaultStateDir, testbedPaths, type TestbedPaths } from './paths';
import { assertPrerequisites } from './prerequisites';
import { ensureRelay } from './relay-control';
import { relayPorts } from './relay-plan';
import { applyShaping } from './shaping';
import {
  mergeLinks,
  readState,
  writeFileAtomic,
  writeState,
  type HostState,
  type TestbedState,
} from './state';
import { buildRedisImage } from './redis-image';
import { buildWorkloadImage, type WorkloadImage } from './workload-image';

/** Options of {@link testbedUp}. All optional. */
export interface TestbedUpOptions {
  /** Number of clusters, 2..4 (default: as already up, else 2). Growing a running bed works; shrinking needs `down`. */
  readonly clusters?: number;
  /** RTT of every link (default 50 ms; on a running bed, default: keep each link's value). */
  readonly rtt?: Duration;
  /** Bandwidth of every link, bytes per second (default 100 Mbit/s; on a running bed: keep). */
  readonly bandwidth?: BytesPerSecond;
  /** TCP ports carried across every link besides SSH's 22 (e.g. for a CRIU page server). */
  readonly extraPorts?: readonly number[];
  /** State dir (default `FERRY_TESTBED_DIR` or /var/lib/ferry/testbed). */
  readonly stateDir?: string;
  /** Build and load the workload image into every engine (default true). */
  readonly workloadImage?: boolean;
  /** Receives progress lines. */
  readonly onProgress?: (line: string) => void;
}

/** A running test bed as seen by its users. */
export interface Testbed {
  /** All its paths (clusters.json, keys, logs...). */
  readonly paths: TestbedPaths;
  /** The ClustersFile written to `paths.clustersFile`. */
  readonly clusters: ClustersFile;
  /** The bed's own state (links with set values, pids). */
  readonly state: TestbedState;
}

/** What {@link testbedUp} did. */
export interface TestbedUpResult extends Testbed {
  /** Wall time of the call, seconds. */
  readonly elapsed: Duration;
  /** The workload image loaded into every engine (absent when skipped). */
  readonly workloadImage?: WorkloadImage;
}

interface Marker {
  readonly createdRoot?: string;
}

/** Claims the state dir: refuses a non-empty directory that is not ours; records the first directory we create. */
function claimStateDir(paths: TestbedPaths): void {
  if (fs.existsSync(paths.marker)) return;
  const foreign = fs.existsSync(paths.stateDir)
    ? fs.readdirSync(paths.stateDir).filter((n) => n !== '.lock')
    : [];
  if (foreign.length > 0) {
    throw new InvalidInput(
      'FERRY_TESTBED_DIR',
      paths.stateDir,
      'an empty directory or one made by ferry testbed',
    );
  }
  let root = paths.stateDir;
  while (!fs.existsSync(path.dirname(root))) root = path.dirname(root);
  const marker: Marker = { createdRoot: root };
  fs.mkdirSync(paths.stateDir, { recursive: true });
  writeFileAtomic(paths.marker, `${JSON.stringify(marker)}\n`);
}

/**
 * Brings the test bed up, or checks a running one and applies changed settings. Quick when all is up.
 * @throws PrerequisiteMissing when a program or the address range is missing or a daemon fails to start;
 *   InvalidInput for bad options; TimedOut when a daemon does not answer.
 */
export async function testbedUp(options: TestbedUpOptions = {}): Promise<TestbedUpResult> {
  const started = Date.now();
  const say = options.onProgress ?? (() => undefined);
  const step = (what: string): void =>
    say(`[${formatDuration(seconds((Date.now() - started) / 1000))}] ${what}`);
  assertPrerequisites();
  const paths = testbedPaths(options.stateDir ?? defaultStateDir());
  if (options.rtt !== undefined) validateRtt(options.rtt);
  if (options.bandwidth !== undefined) validateBandwidth(options.bandwidth);
  const extraPorts = options.extraPorts ?? [];
  for (const p of extraPorts) {
    if (!Number.isInteger(p) || p < 1 || p > 65535)
      throw new InvalidInput('extraPorts', p, 'TCP ports 1..65535');
  }
  return withLock(paths, 'testbed up', async () => {
    claimStateDir(paths);
    const existing = readState(paths);
    const count = validateClusterCount(options.clusters ?? existing?.clusterCount ?? MIN_CLUSTERS);
    if (existing && existing.clusterCount > count) {
      throw new InvalidInput(
        'clusters',
        count,
        `at least ${existing.clusterCount}: the bed is up with that many; run \`ferry testbed down\` first to shrink it`,
      );
    }
    const clusters = clusterPlans(count);
    const links = mergeLinks(
      count,
      existing?.links ?? [],
      {
        ...(options.rtt !== undefined ? { rtt: options.rtt } : {}),
        ...(options.bandwidth !== undefined ? { bandwidth: options.bandwidth } : {}),
      },
      { rtt: DEFAULT_RTT, bandwidth: DEFAULT_BANDWIDTH },
    );
    const forwardPorts = [
      ...new Set([SSH_PORT, ...SERVICE_PORTS, ...(existing?.forwardPorts ?? []), ...extraPorts]),
    ].sort((a, b) => a - b);
    let state: TestbedState = {
      version: 1,
      stateDir: paths.stateDir,
      clusterCount: count,
      forwardPorts,
      hosts: clusters.map(
        (c) =>
          existing?.hosts.find((h) => h.cluster === c.name) ?? {
            cluster: c.name,
            host: c.hostName,
            netns: c.netns,
            pids: {},
          },
      ),
      ...(existing?.relayPid !== undefined ? { relayPid: existing.relayPid } : {}),
      links,
      updatedAt: new Date().toISOString(),
    };
    writeState(paths, state);

    step(
      existing
        ? `checking the running bed (${count} clusters)`
        : `building a bed of ${count} clusters in ${paths.stateDir}`,
    );
    await checkRangeFree();
    await ensureNetwork(clusters);
    await applyShaping(clusters, links);
    step('network: namespaces, veths, routes and HTB shaping ready');

    await ensureClientKey(paths);
    await ensureLoginUser(paths.loginHome);
    const hostKeys = new Map<string, string>();
    for (const c of clusters) hostKeys.set(c.name, await ensureHostKey(c, paths.host(c)));
    writeSshClientFiles(paths, clusters, hostKeys);

    const hosts: HostState[] = await Promise.all(
      clusters.map(async (c): Promise<HostState> => {
        const hp = paths.host(c);
        const known = state.hosts.find((h) => h.cluster === c.name)?.pids ?? {};
        const containerd = await ensureContainerd(c, hp, known.containerd);
        const dockerd = await ensureDockerd(c, hp, known.dockerd);
        const sshd = await ensureSshd(c, hp, paths, known.sshd);
        const verb = (r: { started: boolean }): string => (r.started ? 'started' : 'running');
        step(
          `${c.hostKey}: containerd ${verb(containerd)}, dockerd ${verb(dockerd)}, sshd ${verb(sshd)} at ${c.hostAddress}:${SSH_PORT}`,
        );
        return {
          cluster: c.name,
          host: c.hostName,
          netns: c.netns,
          pids: { containerd: containerd.pid, dockerd: dockerd.pid, sshd: sshd.pid },
        };
      }),
    );
    state = { ...state, hosts, updatedAt: new Date().toISOString() };
    writeState(paths, state);

    const relayPid = await ensureRelay(paths, state);
    state = { ...state, relayPid };
    writeState(paths, state);
    step(
      `relay ${relayPid} carrying ports ${relayPorts(forwardPorts).join(', ')} on ${links.length} link(s)`,
    );

    const clustersFile = buildClustersFile(clusters, paths, hostKeys);
    writeFileAtomic(paths.clustersFile, `${JSON.stringify(clustersFile, null, 2)}\n`);

    let workloadImage: WorkloadImage | undefined;
    if (options.workloadImage !== false) {
      workloadImage = await loadWorkloadImage(
        clusters.map((c) => paths.host(c).dockerSocket),
        say,
      );
      step(`workload image ${workloadImage.name} in every engine`);
      const redis = await buildRedisImage(
        clusters.map((c) => paths.host(c).dockerSocket),
        say,
      );
      step(`service image ${redis.name} (Debian's redis-server) in every engine`);
    }
    step(`up: ${paths.clustersFile}`);
    return {
      paths,
      clusters: clustersFile,
      state,
      elapsed: seconds((Date.now() - started) / 1000),
      ...(workloadImage ? { workloadImage } : {}),
    };
  });
}

/** Call site of the workload image helper (./workload-image.ts): builds once, loads into every engine. */
async function loadWorkloadImage(sockets: string[], log: (line: string) => void): Promise<WorkloadImage> {
  try {
    return await buildWorkloadImage(sockets, { log });
  } catch (e) {
    if (e instanceof PrerequisiteMissing) throw e;
    throw new PrerequisiteMissing('workload image', `could not build or load it: ${(e as Error).message}`, {
      cause: e,
      hint: 'see the message above; `ferry testbed up --no-workload` skips it',
    });
  }
}
