/** Process bookkeeping for teardown (pure): parsing /proc and choosing what to kill. */

/** What the test bed needs to know about one process. */
export interface ProcInfo {
  /** Process id. */
  readonly pid: number;
  /** Parent's pid. */
  readonly ppid: number;
  /** State letter from /proc/<pid>/stat (`Z` = zombie: already dead, waiting to be reaped). */
  readonly state: string;
  /** Inode of its network namespace (`undefined` when unreadable, e.g. zombies). */
  readonly netnsInode: number | undefined;
}

/** Parses `/proc/<pid>/stat` (the command name may contain spaces and parentheses). */
export function parseStat(
  text: string,
): { pid: number; comm: string; state: string; ppid: number } | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const fields = text.slice(close + 2).split(' ');
  const pid = Number(text.slice(0, open).trim());
  const ppid = Number(fields[1]);
  if (!Number.isInteger(pid) || !Number.isInteger(ppid) || fields[0] === undefined) return undefined;
  return { pid, comm: text.slice(open + 1, close), state: fields[0], ppid };
}

/**
 * Everything to kill: live processes in any of the given network namespaces, processes named in `extra`
 * (e.g. found in the bed's cgroups), and all their live descendants (container processes sit in namespaces
 * of their own, below the containerd shims that sit in the cluster's namespace). Never pid 1 or `self`.
 */
export function killSet(
  procs: readonly ProcInfo[],
  netnsInodes: ReadonlySet<number>,
  extra: ReadonlySet<number>,
  self: number,
): number[] {
  const children = new Map<number, number[]>();
  for (const p of procs) {
    const list = children.get(p.ppid) ?? [];
    list.push(p.pid);
    children.set(p.ppid, list);
  }
  const live = new Set(procs.filter((p) => p.state !== 'Z').map((p) => p.pid));
  const chosen = new Set<number>();
  const stack = procs
    .filter((p) => (p.netnsInode !== undefined && netnsInodes.has(p.netnsInode)) || extra.has(p.pid))
    .map((p) => p.pid);
  while (stack.length > 0) {
    const pid = stack.pop()!;
    if (chosen.has(pid) || pid === 1 || pid === self) continue;
    chosen.add(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return [...chosen].filter((pid) => live.has(pid)).sort((a, b) => a - b);
}
