/**
 * The engine on the test bed (cluster-a <-> cluster-b at 50 ms RTT, 100 Mbit/s): the dirtier moves A -> B
 * (256 MiB) with its counter, memory checksum and marker file intact, then back B -> A; an idle and a hot
 * container. Containers are removed at the end; the bed is left up.
 */
import { Readable } from 'node:stream';
import { migrate } from '../../provider/engine/migrate';
import { FIXED_RULE_ROUND_CAP } from '../../provider/engine/precopy/round-deciders';
import { LXD_RULE } from '../../provider/model';
import { reportToMarkdown, type MigrationReport } from '../../provider/engine/report';
import type { Testbed } from '../../testbed';
import { dirtierCheck } from '../../testbed/workloads/dirtier-check';
import type { WorkloadCheck } from '../../provider/engine';
import { workloadSpec } from '../../testbed/cli/run-command';
import {
  bedAt50ms,
  connectBoth,
  copies,
  leftovers,
  linesOf,
  sleep,
  startDirtier,
  testDeps,
  ticks,
  type Hosts,
} from './support';

jest.setTimeout(600_000);

let bed: Testbed;
let h: Hosts;
const NAME = `it-move-${process.pid}`;

beforeAll(async () => {
  bed = await bedAt50ms();
  h = await connectBoth(bed);
});

afterAll(async () => {
  for (const n of [
    NAME,
    `${NAME}-idle`,
    `${NAME}-rule`,
    `${NAME}-relay`,
    `${NAME}-hot`,
    `${NAME}-img`,
    `${NAME}-base`,
  ]) {
    await h?.ha.runtime.remove(n, { force: true });
    await h?.hb.runtime.remove(n, { force: true });
  }
  await h?.ha.close();
  await h?.hb.close();
});

/** The bed's key file, and the dirtier's own check of its memory and pause after each restore. */
const keys = (): { authorizedKeysFile: string; workloadChecks: WorkloadCheck[] } => ({
  authorizedKeysFile: bed.paths.clientKeyPub,
  workloadChecks: [dirtierCheck()],
});

async function readAll(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function expectSane(r: MigrationReport): void {
  process.stderr.write(reportToMarkdown(r));
  expect(r.dataPath.kind).toBe('direct');
  expect(r.downtime).toBeGreaterThan(0);
  expect(r.rounds[r.rounds.length - 1]?.kind).toBe('final');
  expect(r.rounds.filter((x) => x.kind === 'precopy').length).toBeLessThanOrEqual(
    r.plan?.inputs.policy.maxRounds ?? FIXED_RULE_ROUND_CAP,
  );
}

describe('migrate on the test bed', () => {
  it('moves the dirtier A -> B: counter continues, memory verified, marker file kept', async () => {
    await startDirtier(h.ha, NAME, [
      '--mib',
      '256',
      '--dirty-mib-s',
      '4',
      '--tick-ms',
      '100',
      '--verify-every',
      '10',
      '--file',
      '/data/marker',
    ]);
    await sleep(2500);
    const before = await ticks(h.ha, NAME);
    expect(before.length).toBeGreaterThan(10);
    const deps = testDeps();
    const r = await migrate({ container: NAME, source: h.a, target: h.b, ...keys() }, deps);
    expectSane(r);
    expect(await copies(h.ha, NAME)).toEqual([]);
    expect(await copies(h.hb, NAME)).toEqual(['running']);
    await sleep(2500);
    const after = await ticks(h.hb, NAME);
    // the restored process continues its own counter: the first tick on B follows the last ones seen on A
    expect(after[0]).toBeGreaterThan(before[before.length - 1]!);
    after.forEach((t, i) => i > 0 && expect(t).toBe(after[i - 1]! + 1));
    const verifies = await linesOf(h.hb, NAME, 'verify=');
    expect(verifies.length).toBeGreaterThan(0);
    expect(verifies.every((l) => l.startsWith('verify=ok '))).toBe(true);
    // The dirtier's longest pause between two ticks over its whole life (every verify line carries it, so a
    // first log line lost by the engine's log copier right after the restore does not hide it): the
    // downtime plus at most one tick (100 ms) of its own schedule, since the freeze can begin anywhere
    // inside a tick; and clearly more than the pre-copy freezes.
    const maxGap = Number(/ max_gap_ms=(\d+)/.exec(verifies.at(-1)!)![1]);
    expect(maxGap).toBeLessThanOrEqual(r.downtime * 1000 + 100);
    expect(maxGap).toBeGreaterThan(r.downtime * 1000 * 0.5);
    // at most one pause reported after the restore; when its line reached the log, the engine reports it
    const gaps = (await linesOf(h.hb, NAME, 'gap_ms=')).map((l) => Number(/^gap_ms=(\d+)/.exec(l)![1]));
    expect(gaps.length).toBeLessThanOrEqual(1);
    if (gaps.length === 1) expect(r.workloadGap! * 1000).toBeCloseTo(gaps[0]!, -1);
    expect(r.workload?.map((w) => w.name)).toEqual(['dirtier']);
    for await (const a of h.hb.runtime.exportPaths(NAME, ['/data/marker'])) {
      const tar = await readAll(a.tar);
      expect(tar.subarray(0, 100).toString()).toContain('marker');
    }
    expect(r.rootfs.copied).toContain('/data/marker');
    expect(await leftovers(h.ha, r.migrationId)).toBe('');
    expect(await leftovers(h.hb, r.migrationId)).toBe('');
  });

  it('moves it back B -> A', async () => {
    const before = await ticks(h.hb, NAME);
    const r = await migrate({ container: NAME, source: h.b, target: h.a, ...keys() }, testDeps());
    expectSane(r);
    expect(await copies(h.hb, NAME)).toEqual([]);
    expect(await copies(h.ha, NAME)).toEqual(['running']);
    await sleep(1500);
    const after = await ticks(h.ha, NAME);
    expect(after[0]).toBeGreaterThan(before[before.length - 1]!);
    expect((await linesOf(h.ha, NAME, 'verify=')).every((l) => l.startsWith('verify=ok '))).toBe(true);
  });

  it('an idle container: few rounds at most, the plan is followed', async () => {
    const name = `${NAME}-idle`;
    await startDirtier(h.ha, name, ['--mib', '16', '--dirty-mib-s', '0', '--tick-ms', '100']);
    await sleep(1000);
    const r = await migrate({ container: name, source: h.a, target: h.b, ...keys() }, testDeps());
    expectSane(r);
    expect(r.strategy).toBe(r.plan?.strategy === 'stop-and-copy' ? 'stop-and-copy' : 'pre-copy');
    expect(r.rounds.filter((x) => x.kind === 'precopy').length).toBeLessThanOrEqual(1);
    // nothing changes between rounds: the final round sends (almost) no pages
    if (r.strategy === 'pre-copy') expect(r.rounds[r.rounds.length - 1]!.pagesSent).toBeLessThan(64);
    expect(await copies(h.hb, name)).toEqual(['running']);
  });

  it('a fixed stop rule (LXD) drives pre-copy: nothing measured or planned', async () => {
    const name = `${NAME}-rule`;
    await startDirtier(h.ha, name, ['--mib', '16', '--dirty-mib-s', '1', '--tick-ms', '100']);
    await sleep(1000);
    const r = await migrate(
      { container: name, source: h.a, target: h.b, stopRule: LXD_RULE, ...keys() },
      testDeps(),
    );
    expectSane(r);
    expect(r.plan).toBeUndefined();
    expect(r.measureFreezes).toEqual([]);
    expect(r.strategy).toBe('pre-copy');
    // LXD's rule: round 0 sends everything (0 % unchanged), so at least a second round runs
    const pre = r.rounds.filter((x) => x.kind === 'precopy');
    expect(pre.length).toBeGreaterThanOrEqual(2);
    expect(pre[0]!.pagesUnchanged).toBe(0);
    expect(r.stopReason).toMatch(/^LXD/);
    expect(reportToMarkdown(r)).toContain('not planned');
    expect(await copies(h.hb, name)).toEqual(['running']);
    expect(await copies(h.ha, name)).toEqual([]);
  });

  it('the relay fallback: every byte through the controlling machine, same result', async () => {
    const name = `${NAME}-relay`;
    await startDirtier(h.ha, name, ['--mib', '16', '--dirty-mib-s', '1', '--tick-ms', '100']);
    await sleep(1000);
    const r = await migrate(
      { container: name, source: h.a, target: h.b, forceRelay: true, ...keys() },
      testDeps(),
    );
    process.stderr.write(reportToMarkdown(r));
    expect(r.dataPath.kind).toBe('relay');
    expect(r.rounds[r.rounds.length - 1]?.kind).toBe('final');
    expect(r.rounds.reduce((n, x) => n + x.pagesSent, 0)).toBeGreaterThanOrEqual(r.rounds[0]!.pagesTotal);
    expect(await copies(h.hb, name)).toEqual(['running']);
    expect(await copies(h.ha, name)).toEqual([]);
    expect(await leftovers(h.ha, r.migrationId)).toBe('');
    expect(await leftovers(h.hb, r.migrationId)).toBe('');
  });

  it('a hot container (dirty rate above the bandwidth) does not iterate forever', async () => {
    const name = `${NAME}-hot`;
    await startDirtier(h.ha, name, ['--mib', '64', '--dirty-mib-s', '40', '--tick-ms', '50']);
    await sleep(1000);
    const r = await migrate(
      {
        container: name,
        source: h.a,
        target: h.b,
        strategy: 'pre-copy',
        policy: { maxRounds: 5 },
        ...keys(),
      },
      testDeps(),
    );
    expectSane(r);
    expect(r.dirtyRate).toBeGreaterThan(r.bandwidth);
    expect(r.rounds.filter((x) => x.kind === 'precopy').length).toBeLessThanOrEqual(5);
    expect(r.stopReason.length).toBeGreaterThan(0);
    expect(await copies(h.hb, name)).toEqual(['running']);
    expect(await copies(h.ha, name)).toEqual([]);
  });

  it('sends the image when the target lacks it', async () => {
    const name = `${NAME}-img`;
    const tag = `ferry/it-img:${process.pid}`;
    const docker = (host: Hosts['ha'], args: string[]) =>
      host.shell.exec(['docker', '-H', `unix://${host.config.dockerSocket}`, ...args], {
        timeout: 120 as never,
      });
    // an image only cluster-a has: a commit of a container of the workload image
    await docker(h.ha, ['rm', '-f', `${NAME}-base`]);
    expect((await docker(h.ha, ['create', '--name', `${NAME}-base`, 'ferry/dirtier:latest'])).exitCode).toBe(
      0,
    );
    expect((await docker(h.ha, ['commit', `${NAME}-base`, tag])).exitCode).toBe(0);
    await docker(h.ha, ['rm', '-f', `${NAME}-base`]);
    try {
      await h.ha.runtime.remove(name, { force: true });
      const id = await h.ha.runtime.create({
        ...workloadSpec(name, tag, ['/bin/dirtier', '--mib', '8', '--tick-ms', '100']),
      });
      await h.ha.runtime.start(id);
      const imageId = (await h.ha.runtime.inspect(id))!.imageId;
      expect(await h.hb.runtime.imageExists(imageId)).toBe(false);
      const deps = testDeps();
      const r = await migrate({ container: name, source: h.a, target: h.b, ...keys() }, deps);
      expectSane(r);
      expect(r.imageSent).toBe(true);
      // the tar crossed the direct source -> target path (not the relay through this machine)
      const sent = deps.events.filter((e) => e.phase === 'transfer' && e.message.startsWith('image '));
      expect(sent.map((e) => e.message)).toEqual([
        expect.stringMatching(new RegExp(`^image ${imageId.slice(0, 19)} sent over the direct path: `)),
      ]);
      expect(await h.hb.runtime.imageExists(imageId)).toBe(true);
      expect(await copies(h.hb, name)).toEqual(['running']);
      await h.hb.runtime.remove(name, { force: true });
      await docker(h.hb, ['rmi', '-f', imageId]);
    } finally {
      await h.ha.runtime.remove(name, { force: true });
      await docker(h.ha, ['rmi', '-f', tag]);
    }
  });
});
