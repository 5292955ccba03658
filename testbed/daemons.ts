/** Starting each host's containerd, dockerd and sshd inside its namespace (thin I/O). */
import * as fs from 'node:fs';
import { PrerequisiteMissing, TimedOut } from '../provider/errors';
import { SSH_PORT, type ClusterPlan } from './address-plan';
import {
  DOCKERD_CONFIG_JSON,
  containerdArgv,
  containerdToml,
  daemonEnv,
  daemonTokens,
  dockerdArgv,
} from './daemon-config';
import { logTail, sleep, spawnDetached } from './exec';
import { dockerPing, sshBanner, unixSocketAnswers } from './health';
import type { HostPaths, TestbedPaths } from './paths';
import { findOurProcess, isAlive, isOurProcess, signalAll, waitGone } from './processes';
import { sshdArgv, sshdConfigText } from './ssh-config';
import { writeFileAtomic } from './state';

/** One daemon to keep running. */
interface DaemonSpec {
  readonly name: string;
  readonly cluster: ClusterPlan;
  readonly argv: string[];
  readonly token: string;
  readonly logPath: string;
  readonly readyWhat: string;
  readonly timeoutSeconds: number;
  readonly healthy: () => Promise<boolean>;
  readonly prepare: () => void;
  /** Restart a running one whose command line differs (false for sshd: it rewrites its process title). */
  readonly matchFlags: boolean;
}

/** A daemon's pid and whether this call started it. */
export interface DaemonResult {
  /** Its pid. */
  readonly pid: number;
  /** True if it was (re)started now. */
  readonly started: boolean;
}

/** The command line of `pid` as argv (`undefined` when it cannot be read). */
function cmdlineOf(pid: number): string[] | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
  } catch {
    return undefined;
  }
}

/**
 * Keeps a daemon running: reuses a live, healthy one (by recorded pid or by its command line in the
 * namespace) that runs with today's command line, else stops it (sick, or started with other flags by an
 * older bed) and starts a new one, waiting until it is healthy.
 */
async function ensureDaemon(spec: DaemonSpec, knownPid: number | undefined): Promise<DaemonResult> {
  const netns = spec.cluster.netns;
  const existing = isOurProcess(knownPid, netns, spec.token) ? knownPid : findOurProcess(netns, spec.token);
  if (existing !== undefined) {
    const sameFlags = !spec.matchFlags || sameCommand(cmdlineOf(existing), spec.argv);
    if (sameFlags && (await spec.healthy())) return { pid: existing, started: false };
    signalAll([existing], 'SIGTERM');
    if ((await waitGone([existing], 5000)).length > 0) signalAll([existing], 'SIGKILL');
    await waitGone([existing], 5000);
  }
  spec.prepare();
  const pid = spawnDetached(spec.argv, spec.logPath, { env: daemonEnv() });
  const deadline = Date.now() + spec.timeoutSeconds * 1000;
  for (;;) {
    if (await spec.healthy()) return { pid, started: true };
    if (!isAlive(pid)) {
      throw new PrerequisiteMissing(
        spec.name,
        `exited while starting on ${spec.cluster.hostKey}; last lines of ${spec.logPath}:\n${logTail(spec.logPath)}`,
        { hint: `fix the cause in ${spec.logPath}, then run \`ferry testbed up\` again` },
      );
    }
    if (Date.now() > deadline) {
      throw new TimedOut(
        `${spec.name} on ${spec.cluster.hostKey} answering on ${spec.readyWhat}`,
        spec.timeoutSeconds,
        {
          hint: `see ${spec.logPath}`,
        },
      );
    }
    await sleep(150);
  }
}

/**
 * Whether a running daemon's argv is `wanted` (the part after `nsenter ... --`: nsenter execs the daemon, so
 * the process shows only that). An unreadable command line counts as the same (nothing to compare).
 */
export function sameCommand(running: readonly string[] | undefined, wanted: readonly string[]): boolean {
  if (running === undefined) return true;
  const at = wanted.indexOf('--');
  const tail = at >= 0 ? wanted.slice(at + 1) : wanted;
  return running.length === tail.length && running.every((a, i) => a === tail[i]);
}

/** Keeps host `c`'s containerd running. */
export function ensureContainerd(c: ClusterPlan, hp: HostPaths, knownPid?: number): Promise<DaemonResult> {
  return ensureDaemon(
    {
      name: 'containerd',
      cluster: c,
      argv: containerdArgv(c, hp),
      token: daemonTokens(hp).containerd,
      logPath: hp.containerdLog,
      readyWhat: hp.containerdSocket,
      timeoutSeconds: 30,
      matchFlags: true,
      healthy: () => unixSocketAnswers(hp.containerdSocket),
      prepare: () => {
        for (const d of [hp.containerdRoot, hp.containerdState, hp.containerdOpt, hp.logDir]) {
          fs.mkdirSync(d, { recursive: true });
        }
        writeFileAtomic(hp.containerdConfig, containerdToml(hp));
      },
    },
    knownPid,
  );
}

/** Keeps host `c`'s Docker Engine running (its containerd must be up). */
export function ensureDockerd(c: ClusterPlan, hp: HostPaths, knownPid?: number): Promise<DaemonResult> {
  return ensureDaemon(
    {
      name: 'dockerd',
      cluster: c,
      argv: dockerdArgv(c, hp),
      token: daemonTokens(hp).dockerd,
      logPath: hp.dockerdLog,
      readyWhat: hp.dockerSocket,
      timeoutSeconds: 60,
      matchFlags: true,
      healthy: () => dockerPing(hp.dockerSocket),
      prepare: () => {
        for (const d of [hp.dockerDataRoot, hp.dockerExecRoot, hp.workDir, hp.logDir]) {
          fs.mkdirSync(d, { recursive: true });
        }
        writeFileAtomic(hp.dockerConfig, DOCKERD_CONFIG_JSON);
      },
    },
    knownPid,
  );
}

/**
 * Keeps host `c`'s sshd running (the network, its host key and the client key must exist). A running sshd
 * whose config text changed is told to reload it (SIGHUP; it re-executes itself under the same pid).
 */
export async function ensureSshd(
  c: ClusterPlan,
  hp: HostPaths,
  paths: TestbedPaths,
  knownPid?: number,
): Promise<DaemonResult> {
  const text = sshdConfigText(c, hp, paths);
  let changed = false;
  try {
    changed = fs.readFileSync(hp.sshdConfig, 'utf8') !== text;
  } catch {
    changed = true;
  }
  fs.mkdirSync(hp.logDir, { recursive: true });
  fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  writeFileAtomic(hp.sshdConfig, text, 0o600);
  const r = await ensureDaemon(
    {
      name: 'sshd',
      cluster: c,
      argv: sshdArgv(c, hp),
      token: daemonTokens(hp).sshd,
      logPath: hp.sshdLog,
      readyWhat: `${c.hostAddress}:${SSH_PORT}`,
      timeoutSeconds: 20,
      matchFlags: false,
      healthy: async () => (await sshBanner(c.hostAddress, SSH_PORT, 1500)) !== undefined,
      prepare: () => undefined,
    },
    knownPid,
  );
  if (changed && !r.started) signalAll([r.pid], 'SIGHUP');
  return r;
}
