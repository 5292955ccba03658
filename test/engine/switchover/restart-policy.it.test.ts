/**
 * Restart policies never start a second copy. The final checkpoint stops the container under the engine's
 * feet (runc, not the engine, checkpoints it), so a policy such as `always` would have the source engine
 * start a fresh copy at once. The migration fences the policy (`no`) for the switchover and puts it on the
 * copy that ends up running: the target after a success, the source after a rollback.
 */
import { migrate } from '../../../provider/engine/migrate';
import type { ConnectedHost } from '../../../provider/hosts/connect';
import { workloadSpec } from '../../../testbed/cli/run-command';
import type { Testbed } from '../../../testbed';
import { bedAt50ms, connectBoth, copies, linesOf, sleep, testDeps, ticks, type Hosts } from '../support';

jest.setTimeout(600_000);

let bed: Testbed;
let h: Hosts;
const NAME = `it-restart-${process.pid}`;
const ARGS = ['--mib', '16', '--dirty-mib-s', '2', '--tick-ms', '100', '--verify-every', '10'];

beforeAll(async () => {
  bed = await bedAt50ms();
  h = await connectBoth(bed);
});

afterAll(async () => {
  await h?.ha.runtime.remove(NAME, { force: true });
  await h?.hb.runtime.remove(NAME, { force: true });
  await h?.ha.close();
  await h?.hb.close();
});

const keys = (): { authorizedKeysFile: string } => ({ authorizedKeysFile: bed.paths.clientKeyPub });

/** Starts the dirtier with restart policy `always` on `host`; resolves its last tick after 1.5 s. */
async function startAlways(host: ConnectedHost): Promise<number> {
  await h.ha.runtime.remove(NAME, { force: true });
  await h.hb.runtime.remove(NAME, { force: true });
  const spec = workloadSpec(NAME, 'ferry/dirtier:latest', ARGS);
  const id = await host.runtime.create({
    ...spec,
    hostConfig: { ...spec.hostConfig, restartPolicy: 'always' },
  });
  await host.runtime.start(id);
  await sleep(1500);
  const t = await ticks(host, NAME);
  return t[t.length - 1]!;
}

/** The ticks never go back (a fresh start would begin again at 1), and every memory check passed. */
async function expectOneLife(host: ConnectedHost, last: number): Promise<void> {
  await sleep(1500);
  const t = await ticks(host, NAME);
  expect(t[t.length - 1]).toBeGreaterThan(last);
  expect(t.every((x, i) => i === 0 || x > t[i - 1]!)).toBe(true);
  expect((await linesOf(host, NAME, 'verify=')).every((l) => l.startsWith('verify=ok '))).toBe(true);
}

describe('restart policy always', () => {
  it('a failure after the final checkpoint: the engine starts no fresh copy; restored with its policy', async () => {
    const last = await startAlways(h.ha);
    const deps = testDeps();
    let duringSwitchover: string[] = [];
    const err = await migrate(
      {
        container: NAME,
        source: h.a,
        target: h.b,
        hooks: {
          beforeFinalTransfer: async () => {
            await sleep(2000); // time enough for the engine to act on a policy
            duringSwitchover = await copies(h.ha, NAME);
            throw new Error('injected: the final transfer fails');
          },
        },
        ...keys(),
      },
      deps,
    ).catch((e: unknown) => e);
    expect(String(err)).toMatch(/TransferFailed: transfer: the final transfer fails/);
    expect(duringSwitchover).toEqual(['exited']);
    expect(await copies(h.ha, NAME)).toEqual(['running']);
    expect(await copies(h.hb, NAME)).toEqual([]);
    expect((await h.ha.runtime.inspect(NAME))!.spec.hostConfig?.restartPolicy).toBe('always');
    await expectOneLife(h.ha, last);
  });

  it('a migration: the target copy carries the policy, the source is gone', async () => {
    const last = await startAlways(h.ha);
    const r = await migrate({ container: NAME, source: h.a, target: h.b, ...keys() }, testDeps());
    expect(r.to).toBe('cluster-b/host-1');
    expect(await copies(h.ha, NAME)).toEqual([]);
    expect(await copies(h.hb, NAME)).toEqual(['running']);
    expect((await h.hb.runtime.inspect(NAME))!.spec.hostConfig?.restartPolicy).toBe('always');
    await expectOneLife(h.hb, last);
  });
});
