/**
 * ContainerRuntime (dockerode) over SSH against real throw-away Docker Engines (test/support/throwaway-dockerd.ts),
 * reached through a local sshd's direct-streamlocal forwarding (test/support/local-sshd.ts).
 */
import { Readable } from 'node:stream';
import { CommandFailed, HostUnreachable } from '../../provider/errors';
import { connectHost, type ConnectedHost } from '../../provider/hosts/connect';
import type { ContainerRuntime, ContainerSpec } from '../../provider/hosts/container-runtime';
import { dockerodeRuntimeOverShell, localDockerodeRuntime } from '../../provider/hosts/dockerode-runtime';
import { mib, seconds } from '../../provider/units';
import { describeIntegration } from '../support/describe-integration';
import { sshdMissing, startLocalSshd, type LocalSshd } from '../support/local-sshd';
import {
  busyboxMissing,
  dockerdMissing,
  startThrowawayDockerd,
  type ThrowawayDockerd,
} from '../support/throwaway-dockerd';

jest.setTimeout(120_000);

const IMAGE = 'ferry-hosttest-busybox:latest';

async function readAll(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Regular files of a ustar/PAX archive as name -> content (enough for the engine's archive API output). */
function tarFiles(tar: Buffer): Map<string, string> {
  const files = new Map<string, string>();
  for (let p = 0; p + 512 <= tar.length;) {
    const header = tar.subarray(p, p + 512);
    if (header.every((b) => b === 0)) break;
    const name = header.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(header.subarray(124, 136).toString('ascii').replace(/\0.*$/s, '').trim() || '0', 8);
    const type = String.fromCharCode(header[156] ?? 0);
    if (type === '0' || type === '\0')
      files.set(name, tar.subarray(p + 512, p + 512 + size).toString('utf8'));
    p += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

async function until(what: string, check: () => Promise<boolean>, limitMs = 10_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describeIntegration(
  'dockerode ContainerRuntime over SSH',
  [sshdMissing(), dockerdMissing(), busyboxMissing()],
  () => {
    let sshd: LocalSshd;
    let engineA: ThrowawayDockerd;
    let engineB: ThrowawayDockerd;
    let host: ConnectedHost;
    let runtimeB: ContainerRuntime;
    const timings: Record<string, string> = {};
    const spec: ContainerSpec = {
      name: 'ferry-hosttest-app',
      image: IMAGE,
      cmd: [
        'sh',
        '-c',
        'echo hello out; echo hello err >&2; echo payload > /tmp/state.txt; rm /etc/motd-none 2>/dev/null; exec sleep 1000',
      ],
      env: ['GREETING=hi there'],
      labels: { 'ferry.test': 'runtime', 'ferry.run': String(process.pid) },
      workingDir: '/tmp',
      hostConfig: { networkMode: 'none', memory: mib(64), restartPolicy: 'no' },
    };

    beforeAll(async () => {
      [sshd, engineA, engineB] = await Promise.all([
        startLocalSshd(),
        startThrowawayDockerd(),
        startThrowawayDockerd(),
      ]);
      await engineA.importBusyboxImage(IMAGE);
      const t = process.hrtime.bigint();
      host = await connectHost(
        sshd.hostConfig({ dockerSocket: engineA.socketPath, dockerDataRoot: engineA.dataRoot }),
      );
      timings['connectHost'] = `${(Number(process.hrtime.bigint() - t) / 1e6).toFixed(1)} ms`;
      runtimeB = await dockerodeRuntimeOverShell(host.shell, engineB.socketPath);
    });

    afterAll(async () => {
      await runtimeB?.close();
      await host?.close();
      await Promise.all([engineA?.stop(), engineB?.stop()]);
      await sshd?.stop();
      console.log(`dockerode over SSH timings (loopback):\n${JSON.stringify(timings, null, 2)}`);
    });

    it('reports version and the experimental flag', async () => {
      const v = await host.runtime.version();
      expect(v.experimental).toBe(true);
      expect(v.apiVersion).toMatch(/^1\.\d+$/);
      expect(v.os).toBe('linux');
      await host.runtime.ping();
    });

    it('measures the latency of one engine call over SSH', async () => {
      const n = 20;
      const t = process.hrtime.bigint();
      for (let i = 0; i < n; i++) await host.runtime.ping();
      timings['GET /_ping over SSH (mean of 20)'] =
        `${(Number(process.hrtime.bigint() - t) / 1e6 / n).toFixed(1)} ms`;
      const local = await localDockerodeRuntime(engineA.socketPath);
      const t2 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) await local.ping();
      timings['GET /_ping on the local socket (mean of 20)'] =
        `${(Number(process.hrtime.bigint() - t2) / 1e6 / n).toFixed(1)} ms`;
      await local.close();
    });

    it('creates, starts and inspects a container, with the spec to recreate it', async () => {
      const id = await host.runtime.create(spec);
      const t = Date.now();
      await host.runtime.start(id);
      timings['start container'] = `${Date.now() - t} ms`;
      const info = await host.runtime.inspect('ferry-hosttest-app');
      expect(info).toMatchObject({
        id,
        name: 'ferry-hosttest-app',
        image: IMAGE,
        state: 'running',
        labels: spec.labels,
      });
      expect(info!.pid).toBeGreaterThan(0);
      expect(info!.imageId).toMatch(/^sha256:/);
      expect(info!.graphDriver.name).not.toBe('');
      expect(info!.spec).toMatchObject({
        image: IMAGE,
        cmd: spec.cmd,
        workingDir: '/tmp',
        hostConfig: { networkMode: 'none', memory: mib(64), restartPolicy: 'no' },
      });
      expect(info!.spec.env).toEqual(expect.arrayContaining(['GREETING=hi there', 'PATH=/bin']));
      await expect(host.runtime.inspect('ferry-hosttest-absent')).resolves.toBeUndefined();
    });

    it('sets a restart policy on a running container, and reads it back', async () => {
      for (const policy of ['on-failure:4', 'always', 'no']) {
        await host.runtime.setRestartPolicy('ferry-hosttest-app', policy);
        const info = await host.runtime.inspect('ferry-hosttest-app');
        expect(info!.spec.hostConfig?.restartPolicy).toBe(policy);
        expect(info!.state).toBe('running');
      }
      await expect(host.runtime.setRestartPolicy('ferry-hosttest-app', 'sometimes')).rejects.toThrow(
        /400|invalid restart policy/i,
      );
    });

    it('reads logs (stdout and stderr, tail)', async () => {
      await until('logs', async () => (await host.runtime.logs('ferry-hosttest-app')).includes('hello err'));
      const logs = await host.runtime.logs('ferry-hosttest-app');
      expect(logs).toContain('hello out\n');
      expect(logs).toContain('hello err\n');
      expect(
        (await host.runtime.logs('ferry-hosttest-app', { tail: 1 })).split('\n').filter(Boolean),
      ).toHaveLength(1);
    });

    it('lists root file-system changes', async () => {
      await until('state file', async () =>
        (await host.runtime.changes('ferry-hosttest-app')).some((c) => c.path === '/tmp/state.txt'),
      );
      const changes = await host.runtime.changes('ferry-hosttest-app');
      expect(changes).toContainEqual({ path: '/tmp/state.txt', kind: 'added' });
    });

    it('moves a changed file between containers with the archive API', async () => {
      const target = await host.runtime.create({
        ...spec,
        name: 'ferry-hosttest-target',
        cmd: ['sleep', '1000'],
      });
      for await (const a of host.runtime.exportPaths('ferry-hosttest-app', ['/tmp/state.txt'])) {
        expect(a.parentDir).toBe('/tmp');
        await host.runtime.putArchive(target, a.parentDir, a.tar);
      }
      const back: Buffer[] = [];
      for await (const a of host.runtime.exportPaths(target, ['/tmp/state.txt']))
        back.push(await readAll(a.tar));
      expect(tarFiles(Buffer.concat(back)).get('state.txt')).toBe('payload\n');
      await host.runtime.remove(target, { force: true });
    });

    it('lists containers by label', async () => {
      const mine = await host.runtime.list({
        labels: { 'ferry.test': 'runtime', 'ferry.run': String(process.pid) },
      });
      expect(mine.map((c) => c.name)).toEqual(['ferry-hosttest-app']);
      expect(mine[0]!.state).toBe('running');
      await expect(host.runtime.list({ labels: { 'ferry.test': 'nothing-has-this' } })).resolves.toEqual([]);
    });

    it('stops, waits, kills and removes', async () => {
      const t = Date.now();
      await host.runtime.stop('ferry-hosttest-app', seconds(1));
      timings['stop (1 s grace, sleep ignores SIGTERM as pid 1)'] = `${Date.now() - t} ms`;
      await expect(host.runtime.wait('ferry-hosttest-app')).resolves.toBe(137);
      await host.runtime.stop('ferry-hosttest-app'); // already stopped: not an error
      const quick = await host.runtime.create({
        ...spec,
        name: 'ferry-hosttest-quick',
        cmd: ['sh', '-c', 'exit 3'],
      });
      await host.runtime.start(quick);
      await expect(host.runtime.wait(quick)).resolves.toBe(3);
      const victim = await host.runtime.create({
        ...spec,
        name: 'ferry-hosttest-victim',
        cmd: ['sleep', '1000'],
      });
      await host.runtime.start(victim);
      await host.runtime.kill(victim);
      await expect(host.runtime.wait(victim)).resolves.toBe(137);
      for (const c of ['ferry-hosttest-app', quick, victim]) await host.runtime.remove(c);
      await expect(host.runtime.inspect('ferry-hosttest-app')).resolves.toBeUndefined();
      await host.runtime.remove('ferry-hosttest-app'); // absent: not an error
    });

    it('reports engine errors as CommandFailed with the HTTP status', async () => {
      const error = await host.runtime.start('ferry-hosttest-nonexistent').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CommandFailed);
      expect(error).toMatchObject({
        exitCode: 404,
        argv: ['POST', '/containers/ferry-hosttest-nonexistent/start'],
      });
    });

    it('reports an engine socket that does not exist as HostUnreachable', async () => {
      const nowhere = await dockerodeRuntimeOverShell(host.shell, `${engineA.dir}/absent.sock`);
      await expect(nowhere.ping()).rejects.toThrow(HostUnreachable);
      await nowhere.close();
    });

    it('moves an image from one engine to another (save | load, both over SSH)', async () => {
      await expect(runtimeB.imageExists(IMAGE)).resolves.toBe(false);
      await expect(host.runtime.imageExists(IMAGE)).resolves.toBe(true);
      const t = Date.now();
      const loaded = await runtimeB.loadImage(await host.runtime.saveImage(IMAGE));
      timings['image save | load (2 MB busybox)'] = `${Date.now() - t} ms`;
      expect(loaded).toContain(IMAGE);
      await expect(runtimeB.imageExists(IMAGE)).resolves.toBe(true);
    });

    it('rejects a load of garbage', async () => {
      await expect(runtimeB.loadImage(Readable.from([Buffer.from('not a tar')]))).rejects.toThrow(
        CommandFailed,
      );
    });
  },
);
