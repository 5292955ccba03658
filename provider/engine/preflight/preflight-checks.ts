/**
 * Pure evaluation of preflight facts: what is wrong, and how to fix it. The facts are gathered by
 * `preflight.ts`; keeping the judgement pure makes every rule unit-testable.
 */
import type { NetworkInfo, PortBinding } from '../../hosts/container-runtime';
import type { CarryProblem } from '../../hosts/inspect-fields';
import { formatBytes, type Bytes } from '../../units';

/** What preflight found on one host. */
export interface HostFacts {
  /** `cluster/host`. */
  readonly label: string;
  /** `criu --version` parsed (`undefined`: criu missing or unparsable). */
  readonly criuVersion: string | undefined;
  /** Whether `criu check` said it works. */
  readonly criuCheck: boolean;
  /** Whether the kernel tracks dirty pages (`criu check --feature mem_dirty_track`). */
  readonly dirtyTracking: boolean;
  /** Whether userfaultfd works (`criu check --feature uffd-noncoop`). */
  readonly uffd: boolean;
  /** `runc --version` first line, or `undefined`. */
  readonly runcVersion: string | undefined;
  /** Docker Engine version, or `undefined` when it does not answer. */
  readonly engineVersion: string | undefined;
  /** Experimental mode (checkpoint/restore) on. */
  readonly experimental: boolean;
  /** Kernel release. */
  readonly kernel: string;
  /** `cgroup2fs` or `tmpfs` (cgroup v1). */
  readonly cgroupFs: string;
  /** CPU flags of the first CPU. */
  readonly cpuFlags: readonly string[];
  /** Free bytes in the work directory's file system. */
  readonly freeDisk: Bytes;
  /** Whether runc's CRIU configuration ({@link RUNC_CRIU_CONF}) says `tcp-close`. */
  readonly tcpClose: boolean;
}

/** What preflight found about the container. */
export interface ContainerFacts {
  /** Its state on the source. */
  readonly state: string;
  /** Established TCP connections of its processes. */
  readonly establishedTcp: number;
  /** Bind-mount sources that do not exist on the target. */
  readonly missingBindSources: readonly string[];
  /** Whether a container of the same name already exists on the target. */
  readonly nameTakenOnTarget: boolean;
  /** Resident memory of the container, bytes (an estimate for the disk check). */
  readonly memoryEstimate: Bytes;
  /** Settings of the container that cannot be carried (from its inspect, `inspect-fields.ts`). */
  readonly carryProblems: readonly CarryProblem[];
  /** Its network mode (`HostConfig.NetworkMode`). */
  readonly networkMode: string;
  /** Its published ports. */
  readonly ports: readonly PortBinding[];
  /** The user-defined networks of the container: each as the source has it, and whether the target has it. */
  readonly networks: readonly NetworkFacts[];
  /** Ports something listens on on the target host, as `<port>/<tcp|udp>`; `undefined`: `ss` failed. */
  readonly listeningOnTarget: ReadonlySet<string> | undefined;
}

/** A user-defined network of the container. */
export interface NetworkFacts {
  /** Its name. */
  readonly name: string;
  /** The source engine's network (`undefined`: it has none of that name). */
  readonly source: NetworkInfo | undefined;
  /** Whether the target engine has a network of that name. */
  readonly onTarget: boolean;
}

/**
 * Whether preflight may create network `n` on the target: a network the target lacks can be made there
 * with the same driver and options only when it is a host-local bridge (other drivers, e.g. overlay or
 * macvlan, need the user's setup).
 */
export function networkToCreate(n: NetworkFacts): boolean {
  return !n.onTarget && n.source !== undefined && n.source.scope === 'local' && n.source.driver === 'bridge';
}

/** One problem found. */
export interface PreflightProblem {
  /** What is wrong. */
  readonly what: string;
  /** How to fix it. */
  readonly fix: string;
}

/** All problems that forbid the migration; empty when it may go ahead. */
export function preflightProblems(
  source: HostFacts,
  target: HostFacts,
  c: ContainerFacts,
): PreflightProblem[] {
  const out: PreflightProblem[] = [];
  for (const h of [source, target]) {
    if (h.criuVersion === undefined)
      out.push({ what: `${h.label}: criu is missing`, fix: 'install CRIU >= 3.17 (see docs/host-setup)' });
    else if (!h.criuCheck)
      out.push({
        what: `${h.label}: \`criu check\` fails`,
        fix: 'use a CRIU that supports this kernel (4.x)',
      });
    if (h.runcVersion === undefined) out.push({ what: `${h.label}: runc is missing`, fix: 'install runc' });
    if (h.engineVersion === undefined)
      out.push({ what: `${h.label}: the Docker Engine does not answer`, fix: 'start dockerd' });
    else if (!h.experimental)
      out.push({
        what: `${h.label}: the Docker Engine is not in experimental mode`,
        fix: 'run dockerd --experimental',
      });
  }
  if (source.cgroupFs !== target.cgroupFs)
    out.push({
      what: `cgroup versions differ (${source.label}: ${source.cgroupFs}, ${target.label}: ${target.cgroupFs})`,
      fix: 'migrate between hosts with the same cgroup version',
    });
  const missing = source.cpuFlags.filter((f) => !target.cpuFlags.includes(f));
  if (missing.length > 0)
    out.push({
      what: `${target.label} lacks CPU features of ${source.label}: ${missing.slice(0, 8).join(' ')}`,
      fix: 'pick a target with the same or a newer CPU',
    });
  if (c.state !== 'running')
    out.push({
      what: `the container is ${c.state}, not running`,
      fix: 'start it, or move a stopped container by recreating it',
    });
  if (source.tcpClose !== target.tcpClose)
    out.push({
      what: `${RUNC_CRIU_CONF} says tcp-close on ${source.tcpClose ? source.label : target.label} only: CRIU refuses to restore a dump made with it without it`,
      fix: `put the line "tcp-close" in ${RUNC_CRIU_CONF} on both hosts (Ferry's host setup does)`,
    });
  else if (c.establishedTcp > 0 && !source.tcpClose)
    out.push({
      what: `the container has ${c.establishedTcp} established TCP connection(s), and ${RUNC_CRIU_CONF} on the hosts lacks tcp-close: CRIU cannot dump them`,
      fix: `put the line "tcp-close" in ${RUNC_CRIU_CONF} on both hosts (Ferry's host setup does): the connections are then closed at the switchover and the clients reconnect`,
    });
  for (const p of c.carryProblems)
    out.push({
      what: `the container's ${p.field} (${p.value}) cannot be carried: ${p.why}`,
      fix: 'recreate the container without that setting, or leave it where it is',
    });
  if (c.networkMode === 'host' || c.networkMode.startsWith('container:'))
    out.push({
      what: `the container's network mode is ${c.networkMode}: it shares a network namespace of the source host`,
      fix: 'use bridge or a user-defined network with published ports',
    });
  for (const n of c.networks) {
    if (n.onTarget || networkToCreate(n)) continue;
    out.push(
      n.source === undefined
        ? {
            what: `the container's network ${n.name} is not on the source engine any more`,
            fix: 'check the container (docker inspect) on the source',
          }
        : {
            what: `network ${n.name} (driver ${n.source.driver}, scope ${n.source.scope}) does not exist on ${target.label}`,
            fix: `create it there with the same driver and options (Ferry creates only local bridge networks itself)`,
          },
    );
  }
  if (c.ports.length > 0 && c.listeningOnTarget === undefined)
    out.push({
      what: `cannot tell whether the container's ports are free on ${target.label}: \`ss\` failed there`,
      fix: 'install iproute2 on the target',
    });
  for (const p of c.ports)
    if (c.listeningOnTarget?.has(`${p.external}/${p.protocol}`))
      out.push({
        what: `port ${p.external}/${p.protocol} is already in use on ${target.label}`,
        fix: 'free it there (the container publishes the same host port on every cluster)',
      });
  for (const m of c.missingBindSources)
    out.push({
      what: `bind mount source ${m} does not exist on ${target.label}`,
      fix: 'create it on the target (or use a volume)',
    });
  if (c.nameTakenOnTarget)
    out.push({
      what: `a container with the same name exists on ${target.label}`,
      fix: 'remove or rename it there',
    });
  const need = c.memoryEstimate * 3;
  if (target.freeDisk < need)
    out.push({
      what: `${target.label} has ${formatBytes(target.freeDisk)} free, needs about ${formatBytes(need as Bytes)}`,
      fix: 'free disk space in its work directory',
    });
  if (source.freeDisk < need)
    out.push({
      what: `${source.label} has ${formatBytes(source.freeDisk)} free, needs about ${formatBytes(need as Bytes)}`,
      fix: 'free disk space in its work directory',
    });
  return out;
}

/**
 * The CRIU configuration file runc names in every CRIU call (unless a container's `org.criu.config`
 * annotation names another; Docker 20.10 cannot set one). CRIU applies it over runc's own options, so its
 * `tcp-close` reaches both the dumps Ferry runs through runc and the restores the engine runs.
 */
export const RUNC_CRIU_CONF = '/etc/criu/runc.conf';

/** Whether a CRIU configuration text has the option `tcp-close` (a line of its own; `#` starts a comment). */
export function runcConfHasTcpClose(text: string): boolean {
  return text.split('\n').some((l) => /^\s*(--)?tcp-close\s*$/.test(l.replace(/#.*$/, '')));
}

/**
 * The ports something listens on, from `ss -H -l -n -t -u` output (`tcp LISTEN 0 4096 0.0.0.0:6379 ...`,
 * `udp UNCONN 0 0 [::]:53 ...`): a set of `<port>/<tcp|udp>`.
 */
export function parseListening(ssOutput: string): Set<string> {
  const out = new Set<string>();
  for (const line of ssOutput.split('\n')) {
    const f = line.trim().split(/\s+/);
    const proto = f[0];
    const m = /:(\d+)$/.exec(f[4] ?? '');
    if ((proto === 'tcp' || proto === 'udp') && m) out.add(`${m[1]}/${proto}`);
  }
  return out;
}

/** Counts established TCP connections in `/proc/<pid>/net/tcp{,6}` text (state field `01`). */
export function countEstablished(procNetTcp: string): number {
  return procNetTcp
    .split('\n')
    .slice(0)
    .filter((l) => /^\s*\d+:/.test(l))
    .filter((l) => l.trim().split(/\s+/)[3] === '01').length;
}

/** Parses the `flags` line of /proc/cpuinfo (first CPU). */
export function parseCpuFlags(cpuinfo: string): string[] {
  const m = /^flags\s*:\s*(.*)$/m.exec(cpuinfo);
  return m ? m[1]!.trim().split(/\s+/) : [];
}

/** Parses `VmRSS:  1234 kB` of /proc/<pid>/status into bytes (0 when absent). */
export function parseVmRss(status: string): Bytes {
  const m = /^VmRSS:\s*(\d+)\s*kB/m.exec(status);
  return (m ? Number(m[1]) * 1024 : 0) as Bytes;
}
