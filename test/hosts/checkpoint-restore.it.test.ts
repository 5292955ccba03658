/**
 * The edge pieces together, end to end on throw-away engines: a runc/CRIU checkpoint built with
 * `runcCheckpointArgv` and run over SSH, its images streamed between two SSH connections with the tar
 * builders, and the engine's `start --checkpoint` from `<data-root>/containers/<id>/checkpoints/<name>`
 * on a second engine (created there from the first container's inspected spec).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { dockerCheckpointDir } from '../../provider/hosts/commands/docker-paths';
import { mkdirArgv, tarCreateArgv, tarExtractArgv } from '../../provider/hosts/commands/files';
import { runcCheckpointArgv } from '../../provider/hosts/commands/runc';
import { criuCheckArgv } from '../../provider/hosts/commands/criu';
import { connectHost, type ConnectedHost } from '../../provider/hosts/connect';
import { run } from '../../provider/hosts/run';
import { seconds } from '../../provider/units';
import { describeIntegration } from '../support/describe-integration';
import { sshdMissing, startLocalSshd, type LocalSshd } from '../support/local-sshd';
import {
  busyboxMissing,
  dockerdMissing,
  startThrowawayDockerd,
  type ThrowawayDockerd,
} from '../support/throwaway-dockerd';

jest.setTimeout(180_000);

const IMAGE = 'ferry-hosttest-busybox:latest';
const T = { timeout: seconds(60) };

function criuMissing(): string | undefined {
  return ['/usr/local/sbin/criu', '/usr/sbin/criu', '/usr/local/bin/criu'].some((p) => existsSync(p))
    ? undefined
    : 'criu not found (scripts/setup/criu.sh installs CRIU 4.x)';
}

const numbers = (log: string): number[] =>
  log
    .split('\n')
    .filter((l) => /^\d+$/.test(l))
    .map(Number);

describeIntegration(
  'checkpoint on one engine, restore on another, over SSH',
  [sshdMissing(), dockerdMissing(), busyboxMissing(), criuMissing()],
  () => {
    let sshd: LocalSshd;
    let a: ThrowawayDockerd;
    let b: ThrowawayDockerd;
    let hostA: ConnectedHost;
    let hostB: ConnectedHost;

    beforeAll(async () => {
      [sshd, a, b] = await Promise.all([startLocalSshd(), startThrowawayDockerd(), startThrowawayDockerd()]);
      await a.importBusyboxImage(IMAGE);
      await b.importBusyboxImage(IMAGE);
      hostA = await connectHost(
        sshd.hostConfig({ name: 'a', dockerSocket: a.socketPath, workDir: join(a.dir, 'ferry') }),
      );
      hostB = await connectHost(
        sshd.hostConfig({ name: 'b', dockerSocket: b.socketPath, workDir: join(b.dir, 'ferry') }),
      );
    });

    afterAll(async () => {
      await hostA?.close();
      await hostB?.close();
      await Promise.all([a?.stop(), b?.stop()]);
      await sshd?.stop();
    });

    it('CRIU works on this host', async () => {
      await run(hostA.shell, criuCheckArgv(), T);
    });

    it('moves a running counter to the second engine and it continues where it stopped', async () => {
      const id = await hostA.runtime.create({
        name: 'ferry-hosttest-counter',
        image: IMAGE,
        cmd: ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo $i; sleep 0.05; done'],
        hostConfig: { networkMode: 'none' },
      });
      await hostA.runtime.start(id);
      for (let tries = 0; numbers(await hostA.runtime.logs(id)).length < 10; tries++) {
        if (tries > 100) throw new Error('counter did not count');
        await new Promise((r) => setTimeout(r, 100));
      }
      const spec = (await hostA.runtime.inspect(id))!.spec;

      const imagesA = dockerCheckpointDir(a.dataRoot, id, 'ferry-cp');
      const work = join(hostA.config.workDir, 'work-cp');
      await run(hostA.shell, mkdirArgv(imagesA), T);
      await run(hostA.shell, mkdirArgv(work), T);
      let t = Date.now();
      await run(
        hostA.shell,
        runcCheckpointArgv({
          runtimeRoot: a.runtimeRoot,
          containerId: id,
          imagePath: imagesA,
          workPath: work,
          leaveRunning: false,
          tcpEstablished: false,
        }),
        T,
      );
      const dumpMs = Date.now() - t;
      await hostA.runtime.wait(id, { timeout: seconds(30) });
      const lastOnA = numbers(await hostA.runtime.logs(id)).pop()!;

      const idB = await hostB.runtime.create(spec);
      const imagesB = dockerCheckpointDir(b.dataRoot, idB, 'ferry-cp');
      await run(hostB.shell, mkdirArgv(imagesB), T);
      t = Date.now();
      const out = await hostA.shell.spawn(tarCreateArgv({ dir: imagesA }), T);
      const inp = await hostB.shell.spawn(tarExtractArgv(imagesB), T);
      await pipeline(out.stdout, inp.stdin);
      expect((await out.done).exitCode).toBe(0);
      expect((await inp.done).exitCode).toBe(0);
      const transferMs = Date.now() - t;

      t = Date.now();
      await hostB.runtime.start(idB, { checkpoint: 'ferry-cp' });
      const restoreMs = Date.now() - t;
      let onB: number[] = [];
      for (let tries = 0; onB.length < 3; tries++) {
        if (tries > 100)
          throw new Error(`restored counter did not count; logs: ${await hostB.runtime.logs(idB)}`);
        await new Promise((r) => setTimeout(r, 100));
        onB = numbers(await hostB.runtime.logs(idB));
      }
      console.log(
        `runc checkpoint ${dumpMs} ms, tar over SSH ${transferMs} ms, start --checkpoint ${restoreMs} ms; ` +
          `last on A ${lastOnA}, first on B ${onB[0]}`,
      );
      expect(onB[0]).toBeGreaterThan(lastOnA);
      expect(onB[0]).toBeLessThanOrEqual(lastOnA + 2);
      expect((await hostB.runtime.inspect(idB))!.state).toBe('running');
    });
  },
);
