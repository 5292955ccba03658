/** The test bed's own state file, `<stateDir>/testbed.json`: what is up, its pids and every link's set values. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidInput } from '../provider/errors';
import { bytesPerSecond, seconds } from '../provider/units';
import { linkPlans } from './address-plan';
import type { CutMode, LinkSettings } from './link-settings';
import type { TestbedPaths } from './paths';

/** Set values of one link, as stored. */
export interface LinkState {
  /** `cluster-a<->cluster-b`. */
  readonly id: string;
  /** Cluster with the lower index. */
  readonly a: string;
  /** Cluster with the higher index. */
  readonly b: string;
  /** Set round-trip time, seconds. */
  readonly rttSeconds: number;
  /** Set bandwidth of each direction, bytes per second. */
  readonly bandwidthBytesPerSecond: number;
  /** Whether and how the link is cut. */
  readonly cut: CutMode;
}

/** Pids of one host's daemons (absent: not started). */
export interface HostPids {
  /** containerd. */
  readonly containerd?: number;
  /** dockerd. */
  readonly dockerd?: number;
  /** sshd (listener). */
  readonly sshd?: number;
}

/** One cluster host, as stored. */
export interface HostState {
  /** Cluster name. */
  readonly cluster: string;
  /** Host name. */
  readonly host: string;
  /** Its network namespace. */
  readonly netns: string;
  /** Its daemons' pids. */
  readonly pids: HostPids;
}

/** Contents of `testbed.json`. */
export interface TestbedState {
  /** Format version. */
  readonly version: 1;
  /** The state dir this file describes. */
  readonly stateDir: string;
  /** Number of clusters (2..4). */
  readonly clusterCount: number;
  /** TCP ports the relay carries across every link (SSH 22 and any extra), besides the probe port. */
  readonly forwardPorts: readonly number[];
  /** The hosts. */
  readonly hosts: readonly HostState[];
  /** Pid of the relay in the WAN namespace. */
  readonly relayPid?: number;
  /** Every link. */
  readonly links: readonly LinkState[];
  /** ISO time of the last change. */
  readonly updatedAt: string;
}

/** The set values of a stored link as units. */
export function linkSettingsOf(l: LinkState): LinkSettings {
  return {
    rtt: seconds(l.rttSeconds, 'rtt'),
    bandwidth: bytesPerSecond(l.bandwidthBytesPerSecond, 'bandwidth'),
  };
}

/** Links of a bed with `count` clusters, all with the same settings, not cut. */
export function initialLinks(count: number, s: LinkSettings): LinkState[] {
  return linkPlans(count).map((l) => ({
    id: l.id,
    a: l.a.name,
    b: l.b.name,
    rttSeconds: s.rtt,
    bandwidthBytesPerSecond: s.bandwidth,
    cut: 'none',
  }));
}

/**
 * Links for a (re)started bed: existing links keep their values unless `override` sets them; new links get
 * `override` merged over `defaults`. Cuts are kept.
 */
export function mergeLinks(
  count: number,
  existing: readonly LinkState[],
  override: Partial<LinkSettings>,
  defaults: LinkSettings,
): LinkState[] {
  return initialLinks(count, { ...defaults, ...override }).map((fresh) => {
    const old = existing.find((l) => l.id === fresh.id);
    if (old === undefined) return fresh;
    return {
      ...old,
      ...(override.rtt !== undefined ? { rttSeconds: override.rtt } : {}),
      ...(override.bandwidth !== undefined ? { bandwidthBytesPerSecond: override.bandwidth } : {}),
    };
  });
}

/** Returns `state` with link `id` replaced by `patch` applied to it. */
export function withLink(state: TestbedState, id: string, patch: Partial<LinkState>): TestbedState {
  return {
    ...state,
    links: state.links.map((l) => (l.id === id ? { ...l, ...patch } : l)),
    updatedAt: new Date().toISOString(),
  };
}

/**
 * Reads `testbed.json`; `undefined` if absent.
 * @throws InvalidInput when it exists but cannot be parsed.
 */
export function readState(paths: TestbedPaths): TestbedState | undefined {
  let text: string;
  try {
    text = fs.readFileSync(paths.stateFile, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const v = JSON.parse(text) as TestbedState;
    if (v.version !== 1 || !Array.isArray(v.links) || !Array.isArray(v.hosts)) throw new Error('bad shape');
    return v;
  } catch (e) {
    const err = new InvalidInput(
      paths.stateFile,
      text.slice(0, 80),
      'a testbed.json written by ferry testbed',
    );
    (err as { cause?: unknown }).cause = e;
    throw err;
  }
}

/** Writes a file atomically (temp file + rename), with `mode`. */
export function writeFileAtomic(file: string, text: string, mode = 0o644): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, text, { mode });
  fs.renameSync(tmp, file);
}

/** Writes `testbed.json`. */
export function writeState(paths: TestbedPaths, state: TestbedState): void {
  writeFileAtomic(paths.stateFile, `${JSON.stringify(state, null, 2)}\n`);
}
