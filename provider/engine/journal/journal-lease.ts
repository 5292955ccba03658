/**
 * Who drives a migration, and for how long its claim holds: the owner (host, pid, process start time) and
 * the lease a journal records, the pure rules that say whether another process may recover the journal,
 * and the probe that looks at this machine's processes through `/proc`.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { seconds, type Duration } from '../../units';
import type { Journal } from './journal';
import { isTerminal } from './journal-schema';

/** The process that drives a migration. */
export interface JournalOwner {
  /** `os.hostname()` of the machine it runs on. */
  readonly host: string;
  /** Its process id there. */
  readonly pid: number;
  /** When the process started (ISO 8601, millisecond precision): tells a reused pid from the owner. */
  readonly startedAt: string;
}

/** The owner's claim on a journal, renewed while it works; once expired, another process may recover it. */
export interface JournalLease {
  /** When the owner last renewed it (ISO 8601). */
  readonly renewedAt: string;
  /** How long the claim holds after `renewedAt`, in seconds. */
  readonly ttlSeconds: Duration;
}

/** How long a lease holds unless told otherwise: 60 s. Renew it well within that (e.g. every 20 s). */
export const DEFAULT_LEASE_TTL: Duration = seconds(60);

/** How far a process's start time may be from the owner's recorded one for it to be the owner: 2 s. */
export const OWNER_START_TOLERANCE: Duration = seconds(2);

/** What can be seen of this machine's processes (injected: {@link localOwnerProbe} in production). */
export interface OwnerProbe {
  /** `os.hostname()` of this machine. */
  readonly hostname: string;
  /** Whether process `pid` exists on this machine. */
  pidAlive(pid: number): boolean;
  /** When process `pid` started, or `undefined` when that cannot be told (no such process, no `/proc`). */
  pidStartedAt(pid: number): Date | undefined;
}

let processStartedAt: string | undefined;

/** This process as a journal owner; its start time is `Date.now() - process.uptime()`, to the millisecond. */
export function currentOwner(): JournalOwner {
  processStartedAt ??= new Date(Math.round(Date.now() - process.uptime() * 1000)).toISOString();
  return { host: os.hostname(), pid: process.pid, startedAt: processStartedAt };
}

/** `journal` with its lease renewed at `at` for `ttl` seconds (default: the current length, else 60 s). Pure. */
export function renewLease(
  journal: Journal,
  at: Date,
  ttl: Duration = journal.lease?.ttlSeconds ?? DEFAULT_LEASE_TTL,
): Journal {
  return { ...journal, lease: { renewedAt: at.toISOString(), ttlSeconds: ttl } };
}

/** `journal` owned by `owner`, with a lease renewed at `at` for `ttl` seconds (see {@link renewLease}). Pure. */
export function withOwner(journal: Journal, owner: JournalOwner, at: Date, ttl?: Duration): Journal {
  return { ...renewLease(journal, at, ttl), owner };
}

/** The moment the lease runs out, or `undefined` without a (readable) lease. Pure. */
export function leaseExpiry(journal: Pick<Journal, 'lease'>): Date | undefined {
  if (journal.lease === undefined) return undefined;
  const renewed = Date.parse(journal.lease.renewedAt);
  return Number.isNaN(renewed) ? undefined : new Date(renewed + journal.lease.ttlSeconds * 1000);
}

/** Whether nobody holds the journal at `now`: no lease, or one renewed more than its ttl ago. Pure. */
export function leaseExpired(journal: Pick<Journal, 'lease'>, now: Date): boolean {
  const expiry = leaseExpiry(journal);
  return expiry === undefined || now.getTime() > expiry.getTime();
}

const sameStart = (actual: Date, recorded: string): boolean =>
  Math.abs(actual.getTime() - Date.parse(recorded)) <= OWNER_START_TOLERANCE * 1000;

/**
 * Whether `owner` provably still runs: it is on this host and its pid is alive with (within 2 s) the same
 * start time. `false` also when that cannot be told (another host, start time unknown). Pure given `probe`.
 */
export function ownerAlive(owner: JournalOwner, probe: OwnerProbe): boolean {
  if (owner.host !== probe.hostname || !probe.pidAlive(owner.pid)) return false;
  const started = probe.pidStartedAt(owner.pid);
  return started !== undefined && sameStart(started, owner.startedAt);
}

/**
 * Whether `owner` provably no longer runs: it is on this host and its pid is gone or now belongs to a
 * process started at another time. `false` when that cannot be told. Pure given `probe`.
 */
export function ownerDead(owner: JournalOwner, probe: OwnerProbe): boolean {
  if (owner.host !== probe.hostname) return false;
  if (!probe.pidAlive(owner.pid)) return true;
  const started = probe.pidStartedAt(owner.pid);
  return started !== undefined && !sameStart(started, owner.startedAt);
}

/** Whether a journal may be recovered, and why (for the log). */
export interface RecoveryVerdict {
  /** May this process recover it now? */
  readonly may: boolean;
  /** Why (or why not), in one line. */
  readonly reason: string;
}

/**
 * Whether another process may recover `journal` at `now`: it is not terminal, and its lease has expired (or
 * there is none) or its owner is provably dead on this host. Pure given `probe`.
 */
export function recoveryVerdict(
  journal: Pick<Journal, 'state' | 'lease' | 'owner'>,
  now: Date,
  probe: OwnerProbe,
): RecoveryVerdict {
  const { state, owner } = journal;
  if (isTerminal(state)) return { may: false, reason: `the journal is ${state}` };
  const who = owner === undefined ? 'an unknown owner' : `pid ${owner.pid} on ${owner.host}`;
  const expiry = leaseExpiry(journal);
  if (expiry === undefined) return { may: true, reason: `no lease: nobody claims it (last owner ${who})` };
  if (now.getTime() > expiry.getTime())
    return { may: true, reason: `the lease of ${who} expired at ${expiry.toISOString()}` };
  if (owner !== undefined && ownerDead(owner, probe))
    return { may: true, reason: `its owner ${who} (started ${owner.startedAt}) is gone` };
  return { may: false, reason: `held by ${who} until ${expiry.toISOString()}` };
}

/** `recoveryVerdict(journal, now, probe).may`. Pure given `probe`. */
export function mayRecover(
  journal: Pick<Journal, 'state' | 'lease' | 'owner'>,
  now: Date,
  probe: OwnerProbe,
): boolean {
  return recoveryVerdict(journal, now, probe).may;
}

/**
 * When a process started, from its `/proc/<pid>/stat` line (field 22: clock ticks since boot), the `btime`
 * line of `/proc/stat` (boot time, seconds since the epoch) and the clock ticks per second. Pure.
 * @returns `undefined` when either text is not in that format.
 */
export function startTimeFromProc(pidStat: string, procStat: string, clockTicks: number): Date | undefined {
  const afterName = pidStat
    .slice(pidStat.lastIndexOf(')') + 1)
    .trim()
    .split(/\s+/);
  // after "pid (comm)" come fields 3.. of proc_pid_stat(5): field 22 (starttime) is the 20th
  const ticks = Number(afterName[19]);
  const btime = Number(/^btime\s+(\d+)\s*$/m.exec(procStat)?.[1]);
  if (!pidStat.includes(')') || !Number.isFinite(ticks) || !Number.isFinite(btime) || clockTicks <= 0)
    return undefined;
  return new Date(btime * 1000 + (ticks / clockTicks) * 1000);
}

let ticksPerSecond: number | undefined;

/** `getconf CLK_TCK`, read once; 100 (Linux's USER_HZ everywhere in practice) when it cannot be read. */
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    let n = Number.NaN;
    try {
      n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 2000 }).trim());
    } catch {
      // no getconf: keep the default below
    }
    ticksPerSecond = Number.isInteger(n) && n > 0 ? n : 100;
  }
  return ticksPerSecond;
}

/**
 * The probe of this machine: `process.kill(pid, 0)` for liveness (EPERM counts as alive), `/proc` for
 * start times (undefined where there is no `/proc`).
 * @param procRoot - where procfs is mounted (tests point it at a directory of their own).
 */
export function localOwnerProbe(procRoot = '/proc'): OwnerProbe {
  return {
    hostname: os.hostname(),
    pidAlive(pid) {
      if (!Number.isInteger(pid) || pid <= 0) return false;
      try {
        process.kill(pid, 0);
        return true;
      } catch (e) {
        // EPERM: it exists but belongs to someone else (checked by shape: errors may come from another realm)
        return typeof e === 'object' && e !== null && 'code' in e && e.code === 'EPERM';
      }
    },
    pidStartedAt(pid) {
      if (!Number.isInteger(pid) || pid <= 0) return undefined;
      try {
        const pidStat = fs.readFileSync(path.join(procRoot, String(pid), 'stat'), 'utf8');
        const procStat = fs.readFileSync(path.join(procRoot, 'stat'), 'utf8');
        return startTimeFromProc(pidStat, procStat, clockTicks());
      } catch {
        return undefined;
      }
    },
  };
}
