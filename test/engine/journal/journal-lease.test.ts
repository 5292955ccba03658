import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  DEFAULT_LEASE_TTL,
  currentOwner,
  leaseExpired,
  localOwnerProbe,
  mayRecover,
  newJournal,
  ownerAlive,
  ownerDead,
  recoveryVerdict,
  renewLease,
  startTimeFromProc,
  withOwner,
  type Journal,
  type JournalLease,
  type JournalOwner,
  type JournalState,
  type OwnerProbe,
} from '../../../provider/engine/journal/journal';
import { seconds } from '../../../provider/units';

const now = new Date('2026-11-22T02:00:00.000Z');
const ago = (s: number): string => new Date(now.getTime() - s * 1000).toISOString();
const lease = (ageSeconds: number, ttl = 60): JournalLease => ({
  renewedAt: ago(ageSeconds),
  ttlSeconds: seconds(ttl),
});
const owner = (host: string, pid = 100): JournalOwner => ({ host, pid, startedAt: ago(3600) });

/** What the fake knows of process `pid`: its start time (offset from the owner's, in s) or `dead`. */
type Proc = number | 'unknown-start' | 'dead';

/** A strict fake probe on host `here`: asking about a process it was not told about throws. */
function probe(procs: Readonly<Record<number, Proc>> = {}): OwnerProbe {
  const known = (pid: number): Proc => {
    const p = procs[pid];
    if (p === undefined) throw new Error(`unexpected probe of pid ${pid}`);
    return p;
  };
  return {
    hostname: 'here',
    pidAlive: (pid) => known(pid) !== 'dead',
    pidStartedAt(pid) {
      const p = known(pid);
      if (p === 'dead') throw new Error(`start time of dead pid ${pid} asked`);
      return p === 'unknown-start' ? undefined : new Date(Date.parse(ago(3600)) + p * 1000);
    },
  };
}

const host = {
  name: 'h',
  address: 'a',
  port: 22,
  user: 'root',
  hostKey: 'k',
  dockerSocket: '/s',
  workDir: '/w',
};
const base = newJournal(
  {
    migrationId: 'm-1',
    containerName: 'c',
    source: { cluster: 'a', host },
    target: { cluster: 'b', host },
    sourceContainerId: 'x',
    checkpointName: 'ferry-m-1',
    sourceDir: '/w/ferry-m-1',
    targetDir: '/w/ferry-m-1',
  },
  new Date(0),
);

describe('leases', () => {
  it.each<[string, JournalLease | undefined, boolean]>([
    ['no lease', undefined, true],
    ['just renewed', lease(0), false],
    ['renewed ttl ago exactly', lease(60), false],
    ['renewed just over ttl ago', lease(60.001), true],
    ['renewed long ago', lease(3600), true],
    ['renewed in the future (clock skew)', lease(-30), false],
    ['a zero ttl, 1 ms later', lease(0.001, 0), true],
  ])('%s: expired = %s', (_what, l, expired) => {
    expect(leaseExpired(l === undefined ? {} : { lease: l }, now)).toBe(expired);
  });

  it('renewLease keeps the ttl; withOwner records the owner and renews', () => {
    const r = renewLease(base, now);
    expect(r.lease).toEqual({ renewedAt: now.toISOString(), ttlSeconds: DEFAULT_LEASE_TTL });
    const o = withOwner(r, owner('here'), new Date(now.getTime() + 5000), seconds(20));
    expect(o.owner).toEqual(owner('here'));
    expect(o.lease).toEqual({ renewedAt: ago(-5), ttlSeconds: 20 });
    expect(renewLease(o, new Date(now.getTime() + 9000)).lease?.ttlSeconds).toBe(20);
    expect(base.lease).toBeUndefined();
  });
});

describe('owners', () => {
  it.each<[string, JournalOwner, Record<number, Proc>, boolean, boolean]>([
    ['on another host (nothing probed)', owner('elsewhere'), {}, false, false],
    ['here, pid gone', owner('here'), { 100: 'dead' }, false, true],
    ['here, same start', owner('here'), { 100: 0 }, true, false],
    ['here, start 1.9 s off', owner('here'), { 100: -1.9 }, true, false],
    ['here, start 2 s off', owner('here'), { 100: 2 }, true, false],
    ['here, start 2.5 s off (pid reused)', owner('here'), { 100: 2.5 }, false, true],
    ['here, started an hour later (pid reused)', owner('here'), { 100: 3600 }, false, true],
    ['here, start unknown', owner('here'), { 100: 'unknown-start' }, false, false],
  ])('%s: alive = %s, dead = %s', (_what, o, procs, alive, dead) => {
    expect(ownerAlive(o, probe(procs))).toBe(alive);
    expect(ownerDead(o, probe(procs))).toBe(dead);
  });
});

describe('mayRecover', () => {
  const j = (state: JournalState, l?: JournalLease, o?: JournalOwner): Journal => ({
    ...base,
    state,
    ...(l ? { lease: l } : {}),
    ...(o ? { owner: o } : {}),
  });
  it.each<[string, Journal, Record<number, Proc>, boolean, RegExp]>([
    ['a v1 journal (no lease, no owner)', j('copying'), {}, true, /no lease/],
    ['a done journal', j('done', lease(3600), owner('here')), {}, false, /is done/],
    ['a failed journal, lease expired', j('failed', lease(3600)), {}, false, /is failed/],
    [
      'a rolled-back journal, owner gone',
      j('rolled-back', lease(1), owner('here')),
      {},
      false,
      /rolled-back/,
    ],
    ['an expired lease (owner not probed)', j('frozen', lease(61), owner('here')), {}, true, /expired at/],
    ['a fenced journal, lease expired', j('fenced', lease(120), owner('elsewhere')), {}, true, /expired/],
    [
      'a held lease, owner on another host',
      j('frozen', lease(10), owner('elsewhere')),
      {},
      false,
      /held by pid 100/,
    ],
    ['a held lease, owner gone', j('frozen', lease(10), owner('here')), { 100: 'dead' }, true, /is gone/],
    ['a held lease, pid reused', j('restoring', lease(10), owner('here')), { 100: 50 }, true, /is gone/],
    ['a held lease, owner alive', j('copying', lease(10), owner('here')), { 100: 0.5 }, false, /held by/],
    [
      'a held lease, start unknown',
      j('copying', lease(10), owner('here')),
      { 100: 'unknown-start' },
      false,
      /held/,
    ],
    ['a held lease without owner', j('copying', lease(10)), {}, false, /unknown owner/],
  ])('%s: %s', (_what, journal, procs, may, reason) => {
    expect(mayRecover(journal, now, probe(procs))).toBe(may);
    const v = recoveryVerdict(journal, now, probe(procs));
    expect(v.may).toBe(may);
    expect(v.reason).toMatch(reason);
  });
});

describe('startTimeFromProc', () => {
  const fields = (starttime: string): string =>
    ['S', ...Array.from({ length: 18 }, (_, i) => String(i + 1)), starttime, '0', '0'].join(' ');
  it.each<[string, string, string, number, Date | undefined]>([
    [
      'a plain name',
      `42 (node) ${fields('12345')}`,
      'cpu 1 2\nbtime 1700000000\n',
      100,
      new Date(1700000123450),
    ],
    [
      'a name with spaces and parens',
      `42 (a (b) c) ${fields('200')}`,
      'btime 1700000000',
      100,
      new Date(1700000002000),
    ],
    ['another CLK_TCK', `42 (x) ${fields('1000')}`, 'btime 1700000000', 250, new Date(1700000004000)],
    ['no btime', `42 (x) ${fields('1')}`, 'cpu 1 2 3', 100, undefined],
    ['a short stat line', '42 (x) S 1 2', 'btime 1700000000', 100, undefined],
    ['not a stat line', 'garbage', 'btime 1700000000', 100, undefined],
  ])('%s', (_what, stat, procStat, ticks, expected) => {
    expect(startTimeFromProc(stat, procStat, ticks)).toEqual(expected);
  });
});

describe('localOwnerProbe', () => {
  it('reads start times from the given procfs', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-proc-'));
    try {
      fs.mkdirSync(path.join(root, '4242'));
      const rest = Array.from({ length: 18 }, (_, i) => String(i)).join(' ');
      fs.writeFileSync(path.join(root, '4242', 'stat'), `4242 (ferry) S ${rest} 500 0 0\n`);
      fs.writeFileSync(path.join(root, 'stat'), 'cpu 0\nbtime 1700000000\n');
      const p = localOwnerProbe(root);
      expect(p.pidStartedAt(4242)?.getTime()).toBe(1700000000000 + (500 / ticks()) * 1000);
      expect(p.pidStartedAt(4243)).toBeUndefined();
      expect(p.pidStartedAt(-1)).toBeUndefined();
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it.each<[number, boolean]>([
    [process.pid, true],
    [0, false],
    [-1, false],
    [1.5, false],
  ])('pidAlive(%s) = %s', (pid, alive) => {
    expect(localOwnerProbe().pidAlive(pid)).toBe(alive);
  });

  it('sees a finished process as gone', () => {
    const child = spawnSync(process.execPath, ['-e', '0']);
    expect(child.pid).toBeGreaterThan(0);
    expect(localOwnerProbe().pidAlive(child.pid ?? 0)).toBe(false);
  });

  const onLinux = fs.existsSync('/proc/self/stat') ? it : it.skip;
  onLinux('finds this process alive as the owner it records, and not dead', () => {
    const me = currentOwner();
    expect(me).toEqual({ host: os.hostname(), pid: process.pid, startedAt: me.startedAt });
    expect(currentOwner()).toEqual(me);
    expect(ownerAlive(me, localOwnerProbe())).toBe(true);
    expect(ownerDead(me, localOwnerProbe())).toBe(false);
    expect(
      ownerDead(
        { ...me, startedAt: new Date(Date.parse(me.startedAt) - 60_000).toISOString() },
        localOwnerProbe(),
      ),
    ).toBe(true);
  });
});

/** CLK_TCK as `getconf` reports it (100 on every Linux in practice). */
function ticks(): number {
  const out = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const n = Number(out.stdout?.trim());
  return Number.isInteger(n) && n > 0 ? n : 100;
}
