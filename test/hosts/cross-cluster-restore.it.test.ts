/**
 * Proof that the substrate works (issue 2, part 4): a workload container started on cluster A through
 * dockerode over SSH, checkpointed there with runc/CRIU, its images streamed to cluster B over SSH (ssh2),
 * restored by B's Docker Engine, and its in-memory counter continues where it stopped.
 */
import { randomUUID } from 'node:crypto';
import { connectHost, type ConnectedHost } from '../../provider/hosts/connect';
import { run } from '../../provider/hosts/run';
import {
  dockerCheckpointDir,
  DEFAULT_DOCKER_DATA_ROOT,
  DEFAULT_RUNTIME_ROOT,
} from '../../provider/hosts/commands/docker-paths';
import {
  mkdirArgv,
  removeUnderArgv,
  tarCreateArgv,
  tarExtractArgv,
} from '../../provider/hosts/commands/files';
import { runcCheckpointArgv } from '../../provider/hosts/commands/runc';
import { seconds } from '../../provider/units';
import { counterBreaks, parseDirtierLog } from '../support/dirtier-log';
import { ensureTestbed, hostOf } from '../support/testbed-fixture';

jest.setTimeout(240_000);

const T = seconds(60);

async function waitForTicks(host: ConnectedHost, id: string, atLeast: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const log = parseDirtierLog(await host.runtime.logs(id));
    if (log.ticks.length >= atLeast) return;
    if (Date.now() > deadline) throw new Error(`container ${id} printed ${log.ticks.length} ticks in 30 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('cross-cluster checkpoint/restore on the test bed', () => {
  it('moves a running workload from cluster A to cluster B with its counter intact', async () => {
    const bed = await ensureTestbed({ rtt: '50ms', bandwidth: '100mbit' });
    await using a = await connectHost(hostOf(bed, 'cluster-a'));
    await using b = await connectHost(hostOf(bed, 'cluster-b'));
    const name = `proof-${randomUUID().slice(0, 8)}`;
    const spec = {
      name,
      image: 'ferry/dirtier:latest',
      cmd: ['/bin/dirtier', '--mib', '32', '--dirty-mib-s', '4', '--tick-ms', '50', '--verify-every', '5'],
      labels: { 'ferry.test': 'substrate' },
      hostConfig: { networkMode: 'none' },
    };
    const srcId = await a.runtime.create(spec);
    let dstId: string | undefined;
    const imageDir = `${a.config.workDir}/${name}`;
    try {
      await a.runtime.start(srcId);
      await waitForTicks(a, srcId, 20);

      // Checkpoint on A with runc/CRIU directly (the engine's own path can lose the container here).
      const t0 = process.hrtime.bigint();
      await run(a.shell, mkdirArgv(imageDir), { timeout: T });
      await run(
        a.shell,
        runcCheckpointArgv({
          runtimeRoot: a.config.runtimeRoot ?? DEFAULT_RUNTIME_ROOT,
          containerId: srcId,
          imagePath: `${imageDir}/images`,
          workPath: `${imageDir}/work`,
          leaveRunning: false,
          tcpEstablished: false,
        }),
        { timeout: T },
      );
      const t1 = process.hrtime.bigint();
      const before = parseDirtierLog(await a.runtime.logs(srcId));
      // the engine notices a runc checkpoint's exit late (a few hundred ms under load): 10 s to say so
      let state = (await a.runtime.inspect(srcId))?.state;
      for (const until = Date.now() + 10_000; state === 'running' && Date.now() < until;) {
        await new Promise((r) => setTimeout(r, 100));
        state = (await a.runtime.inspect(srcId))?.state;
      }
      expect(state).not.toBe('running');

      // Create the container on B, then stream the images A -> B over the two SSH connections.
      dstId = await b.runtime.create(spec);
      const dstDir = dockerCheckpointDir(b.config.dockerDataRoot ?? DEFAULT_DOCKER_DATA_ROOT, dstId, 'ferry');
      await run(b.shell, mkdirArgv(dstDir), { timeout: T });
      const sender = await a.shell.spawn(tarCreateArgv({ dir: `${imageDir}/images` }), { timeout: T });
      const receiver = await b.shell.spawn(tarExtractArgv(dstDir), { timeout: T });
      sender.stdout.pipe(receiver.stdin);
      const [sent, received] = await Promise.all([sender.done, receiver.done]);
      expect([sent.exitCode, received.exitCode]).toEqual([0, 0]);
      // A unique file keeps containerd from finding identical content in its store (see docs/engine.md).
      await run(b.shell, ['sh', '-c', 'echo "$1" > "$2"', 'sh', randomUUID(), `${dstDir}/ferry-nonce`], {
        timeout: T,
      });
      const t2 = process.hrtime.bigint();

      await b.runtime.start(dstId, { checkpoint: 'ferry' });
      const t3 = process.hrtime.bigint();
      await waitForTicks(b, dstId, 10);

      const after = parseDirtierLog(await b.runtime.logs(dstId));
      const lastBefore = before.ticks.at(-1)!.tick;
      expect(after.ticks[0]!.tick).toBe(lastBefore + 1);
      expect(counterBreaks(after.ticks)).toEqual([]);
      expect(after.verifies.length).toBeGreaterThan(0);
      expect(after.verifies.every(Boolean)).toBe(true);
      expect(
        (await a.runtime.list({ labels: { 'ferry.test': 'substrate' } })).filter(
          (c) => c.state === 'running',
        ),
      ).toEqual([]);

      const ms = (x: bigint, y: bigint): string => `${Number(y - x) / 1e6} ms`;
      process.stderr.write(
        `[proof] checkpoint ${ms(t0, t1)}, transfer ${ms(t1, t2)}, restore ${ms(t2, t3)}; ` +
          `counter ${lastBefore} on A -> ${after.ticks[0]!.tick} on B; longest gap reported ${Math.max(0, ...after.gapsMs)} ms\n`,
      );
    } finally {
      await a.runtime.remove(srcId, { force: true });
      if (dstId) await b.runtime.remove(dstId, { force: true });
      await run(a.shell, removeUnderArgv(a.config.workDir, imageDir), { timeout: T });
    }
  });
});
