/** Finding and stopping the test bed's processes (thin I/O over /proc and /sys/fs/cgroup). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NETNS_DIR } from './daemon-config';
import { sleep } from './exec';
import { killSet, parseStat, type ProcInfo } from './process-tree';

/** All processes on the machine. */
export function listProcesses(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const st = parseStat(fs.readFileSync(`/proc/${name}/stat`, 'utf8'));
      if (!st) continue;
      let netnsInode: number | undefined;
      try {
        netnsInode = fs.statSync(`/proc/${name}/ns/net`).ino;
      } catch {
        netnsInode = undefined;
      }
      out.push({ pid: st.pid, ppid: st.ppid, state: st.state, netnsInode });
    } catch {
      // the process exited while we looked
    }
  }
  return out;
}

/** Inode of a named network namespace, or `undefined` if it does not exist. */
export function netnsInode(name: string): number | undefined {
  try {
    return fs.statSync(path.join(NETNS_DIR, name)).ino;
  } catch {
    return undefined;
  }
}

/** True if `pid` is a live (non-zombie) process. */
export function isAlive(pid: number | undefined): boolean {
  if (pid === undefined || pid <= 1) return false;
  try {
    const st = parseStat(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
    return st !== undefined && st.state !== 'Z';
  } catch {
    return false;
  }
}

/** True if `pid` is alive, in network namespace `netns`, and its command line contains `token`. */
export function isOurProcess(pid: number | undefined, netns: string, token: string): boolean {
  if (!isAlive(pid)) return false;
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    return cmdline.includes(token) && fs.statSync(`/proc/${pid}/ns/net`).ino === netnsInode(netns);
  } catch {
    return false;
  }
}

/** Top-level directories of every mounted cgroup hierarchy named `name` (e.g. `/sys/fs/cgroup/memory/ferry-c1`). */
export function cgroupDirs(name: string): string[] {
  const root = '/sys/fs/cgroup';
  let hierarchies: string[];
  try {
    hierarchies = fs.readdirSync(root);
  } catch {
    return [];
  }
  return hierarchies.map((h) => path.join(root, h, name)).filter((d) => fs.existsSync(d));
}

/** Every cgroup directory below (and including) `dir`, deepest first. */
function cgroupTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) if (e.isDirectory()) walk(path.join(d, e.name));
    out.push(d);
  };
  walk(dir);
  return out;
}

/** Pids in the cgroups named `name` (all hierarchies, all sub-cgroups). */
export function cgroupPids(name: string): Set<number> {
  const pids = new Set<number>();
  for (const top of cgroupDirs(name)) {
    for (const d of cgroupTree(top)) {
      try {
        for (const l of fs.readFileSync(path.join(d, 'cgroup.procs'), 'utf8').split('\n')) {
          if (/^\d+$/.test(l)) pids.add(Number(l));
        }
      } catch {
        // gone meanwhile
      }
    }
  }
  return pids;
}

/** Removes the (empty) cgroups named `name` in every hierarchy; returns those that could not be removed. */
export function removeCgroups(name: string): string[] {
  const left: string[] = [];
  for (const top of cgroupDirs(name)) {
    for (const d of cgroupTree(top)) {
      try {
        fs.rmdirSync(d);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') left.push(d);
      }
    }
  }
  return left;
}

/** Sends `signal` to each pid, ignoring those already gone. */
export function signalAll(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** Waits until none of `pids` is alive; returns those still alive after `timeoutMs`. */
export async function waitGone(pids: readonly number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let alive = pids.filter(isAlive);
  while (alive.length > 0 && Date.now() < deadline) {
    await sleep(50);
    alive = alive.filter(isAlive);
  }
  return alive;
}

/**
 * Kills every process in the given network namespaces and cgroups, with all descendants: SIGKILL, repeated
 * until none is left (new children may appear while killing).
 * @returns pids still alive after `timeoutMs` (normally none).
 */
export async function killEverything(
  netnsNames: readonly string[],
  cgroupNames: readonly string[],
  timeoutMs = 15000,
): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let left: number[] = [];
  for (;;) {
    const inodes = new Set(netnsNames.map(netnsInode).filter((i): i is number => i !== undefined));
    const extra = new Set(cgroupNames.flatMap((n) => [...cgroupPids(n)]));
    left = killSet(listProcesses(), inodes, extra, process.pid);
    if (left.length === 0 || Date.now() > deadline) return left;
    signalAll(left, 'SIGKILL');
    await waitGone(left, Math.min(2000, Math.max(0, deadline - Date.now())));
  }
}

/** The oldest live process in network namespace `netns` whose command line contains `token`. */
export function findOurProcess(netns: string, token: string): number | undefined {
  const ino = netnsInode(netns);
  if (ino === undefined) return undefined;
  const found = listProcesses()
    .filter((p) => p.netnsInode === ino && p.state !== 'Z')
    .filter((p) => {
      try {
        return fs.readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').replace(/\0/g, ' ').includes(token);
      } catch {
        return false;
      }
    })
    .map((p) => p.pid)
    .sort((a, b) => a - b);
  return found[0];
}
