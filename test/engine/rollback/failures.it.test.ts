/**
 * Failure injection on the test bed: the inter-cluster link is cut during a pre-copy round and during the
 * final transfer, and the target's restore is made to fail (a corrupted image). Each time the container must
 * run on the source with its counter intact, exactly one copy must run, and the target must hold nothing.
 */
import { migrate } from '../../../provider/engine/migrate';
import type { MigrationDeps } from '../../../provider/engine/types';
import { MigrationError, RestoreFailed, TransferFailed } from '../../../provider/errors';
import { cutLink, restoreLink, type Testbed } from '../../../testbed';
import {
  bedAt50ms,
  connectBoth,
  copies,
  leftovers,
  linesOf,
  migrationIdOf,
  sleep,
  startDirtier,
  testDeps,
  ticks,
  type Hosts,
} from '../support';

jest.setTimeout(600_000);

let bed: Testbed;
let h: Hosts;
const NAME = `it-fail-${process.pid}`;

beforeAll(async () => {
  bed = await bedAt50ms();
  h = await connectBoth(bed);
});

afterEach(async () => {
  await restoreLink('cluster-a', 'cluster-b');
});

afterAll(async () => {
  await h?.ha.runtime.remove(NAME, { force: true });
  await h?.hb.runtime.remove(NAME, { force: true });
  await h?.ha.close();
  await h?.hb.close();
});

const keys = (): { authorizedKeysFile: string } => ({ authorizedKeysFile: bed.paths.clientKeyPub });

/** After a failed migration: one running copy on the source, counter past `last`, target clean. */
async function expectBackOnSource(err: unknown, last: number, deps: MigrationDeps): Promise<void> {
  const id = await migrationIdOf(deps);
  expect(err).toBeInstanceOf(MigrationError);
  expect((err as MigrationError).runningOn).toBe('cluster-a/host-1');
  expect(await copies(h.ha, NAME)).toEqual(['running']);
  expect(await copies(h.hb, NAME)).toEqual([]);
  expect(await leftovers(h.hb, id)).toBe('');
  expect(await leftovers(h.ha, id)).toBe('');
  expect((await deps.journal.load(id))?.state).toBe('rolled-back');
  await sleep(1500);
  const t = await ticks(h.ha, NAME);
  expect(t[t.length - 1]).toBeGreaterThan(last);
  expect((await linesOf(h.ha, NAME, 'verify=')).every((l) => l.startsWith('verify=ok '))).toBe(true);
}

async function started(): Promise<number> {
  const running = await copies(h.ha, NAME);
  if (running.length === 0 || running[0] !== 'running') {
    await startDirtier(h.ha, NAME, [
      '--mib',
      '64',
      '--dirty-mib-s',
      '4',
      '--tick-ms',
      '100',
      '--verify-every',
      '10',
    ]);
  }
  await sleep(1500);
  const t = await ticks(h.ha, NAME);
  return t[t.length - 1]!;
}

describe('failure injection', () => {
  it('link cut during a pre-copy round: stays on the source', async () => {
    const last = await started();
    const deps = testDeps();
    const err = await migrate(
      {
        container: NAME,
        source: h.a,
        target: h.b,
        strategy: 'pre-copy',
        policy: { targetDowntime: 0.001 as never, maxRounds: 5, extraDowntimeAcceptable: true },
        // cut one second into the first round's send (64 MiB take about 5 s at 100 Mbit/s)
        hooks: {
          beforeRound: async (n) => {
            if (n === 1) setTimeout(() => void cutLink('cluster-a', 'cluster-b', 'reset'), 1000);
          },
        },
        ...keys(),
      },
      deps,
    ).catch((e: unknown) => e);
    expect(deps.events.some((e) => e.message.startsWith('data path: direct'))).toBe(true);
    expect(deps.events.some((e) => e.phase === 'precopy')).toBe(true);
    expect(err).toBeInstanceOf(TransferFailed);
    await expectBackOnSource(err, last, deps);
  });

  it('a pre-copy round that would outlast the overall deadline is cut at the deadline: stays on the source', async () => {
    const last = await started();
    const deps = testDeps();
    const t0 = performance.now();
    // the first round sends 64 MiB (about 5.4 s at 100 Mbit/s) and starts 2 s or more into the migration
    const err = await migrate(
      { container: NAME, source: h.a, target: h.b, strategy: 'pre-copy', deadline: 5 as never, ...keys() },
      deps,
    ).catch((e: unknown) => e);
    const took = (performance.now() - t0) / 1000;
    expect(err).toBeInstanceOf(TransferFailed);
    expect((err as Error).message).toContain('overall migration deadline');
    // cut near the deadline, not after the whole send; the rollback adds a few seconds
    expect(took).toBeLessThan(15);
    await expectBackOnSource(err, last, deps);
  });

  it('link cut during the final transfer: restored on the source from the final images', async () => {
    const last = await started();
    const deps = testDeps();
    const id = (await h.ha.runtime.inspect(NAME))!.id;
    const err = await migrate(
      {
        container: NAME,
        source: h.a,
        target: h.b,
        hooks: { beforeFinalTransfer: async () => void (await cutLink('cluster-a', 'cluster-b', 'reset')) },
        ...keys(),
      },
      deps,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransferFailed);
    await expectBackOnSource(err, last, deps);
    expect((await h.ha.runtime.inspect(NAME))!.id).toBe(id);
  });

  it('restore fails on the target (corrupt image): restored on the source', async () => {
    const last = await started();
    const deps = testDeps();
    const err = await migrate(
      {
        container: NAME,
        source: h.a,
        target: h.b,
        hooks: {
          beforeRestore: async ({ target, imageDir }) => {
            await target.shell.exec(
              ['sh', '-c', 'head -c 64 /dev/urandom > "$1/pstree.img"', 'sh', imageDir],
              { timeout: 30 as never },
            );
          },
        },
        ...keys(),
      },
      deps,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RestoreFailed);
    await expectBackOnSource(err, last, deps);
  });
});
