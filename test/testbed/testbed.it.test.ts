/**
 * The test bed on the real machine: up (cold and warm), measured links, live link changes, cut/blackhole and
 * restore, host-to-host SSH with pinned keys, and a down that leaves nothing behind. Needs root and the
 * host setup (npm run setup). Under CI=true a missing prerequisite fails the test; elsewhere it skips.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import {
  cutLink,
  loadTestbed,
  missingPrerequisites,
  restoreLink,
  setLink,
  testbedDown,
  testbedStatus,
  testbedUp,
  type TestbedStatus,
} from '../../testbed';
import { clusterPlans, peerAddress } from '../../testbed/address-plan';
import { inNetns } from '../../testbed/daemon-config';
import { dockerPing } from '../../testbed/health';
import { rttWithinTolerance, withinTolerance } from '../../testbed/measure-stats';
import { ensureNetwork } from '../../testbed/network';
import { defaultStateDir, testbedPaths } from '../../testbed/paths';
import { formatBandwidth, formatDuration, gbit, mbit, millis } from '../../provider/units';
import { describeIntegration } from '../support/describe-integration';

const missing = missingPrerequisites();
const paths = testbedPaths(defaultStateDir());
const [a, b] = clusterPlans(2) as [ReturnType<typeof clusterPlans>[0], ReturnType<typeof clusterPlans>[0]];
const report = (line: string): void => {
  process.stdout.write(`[testbed.it] ${line}\n`);
};

/** ssh from inside cluster a's namespace to cluster b across the link, with the bed's pinned keys. */
function sshArgv(command: string, from = a, to = b): string[] {
  return inNetns(from.netns, ['ssh', '-F', paths.sshConfig, peerAddress(from, to), command]);
}

function sh(argv: string[], timeoutMs = 30000): { code: number | null; out: string; err: string } {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: timeoutMs });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function summarize(s: TestbedStatus): string {
  return s.links
    .map((l) =>
      l.measured
        ? `${l.link.id}: rtt ${formatDuration(l.measured.rtt)}, a->b ${formatBandwidth(l.measured.throughputAtoB)}, b->a ${formatBandwidth(l.measured.throughputBtoA)}`
        : `${l.link.id}: ${l.note ?? 'not measured'}`,
    )
    .join('; ');
}

function expectLink(s: TestbedStatus, rtt: number, bandwidth: number): void {
  const l = s.links[0]!;
  expect(l.note).toBeUndefined();
  const m = l.measured!;
  expect(rttWithinTolerance(m.rtt, millis(rtt * 1000), 0.2)).toBe(true);
  expect(withinTolerance(m.throughputAtoB, bandwidth, 0.2)).toBe(true);
  expect(withinTolerance(m.throughputBtoA, bandwidth, 0.2)).toBe(true);
}

describeIntegration(
  'test bed',
  missing.map((m) => `${m.piece} (${m.hint}); run npm run setup`),
  () => {
    it('comes up with 2 clusters at 50 ms / 100 mbit', async () => {
      await testbedDown();
      const r = await testbedUp({ clusters: 2, rtt: millis(50), bandwidth: mbit(100), onProgress: report });
      report(`cold up: ${formatDuration(r.elapsed)}`);
      expect(r.clusters.clusters.map((c) => c.name)).toEqual(['cluster-a', 'cluster-b']);
      const loaded = loadTestbed();
      expect(loaded.clusters).toEqual(r.clusters);
      for (const c of loaded.clusters.clusters) {
        const h = c.hosts[0]!;
        expect(await dockerPing(h.dockerSocket)).toBe(true);
        expect(h.hostKey).toMatch(/^ssh-ed25519 \S+$/);
      }
      expect(fs.statSync(paths.clientKey).mode & 0o777).toBe(0o600);
    }, 300_000);

    it('is quick and unchanged on a second up', async () => {
      const before = loadTestbed().state;
      const r = await testbedUp({ onProgress: report });
      report(`warm up: ${formatDuration(r.elapsed)}`);
      expect(r.elapsed).toBeLessThan(10);
      expect(r.state.hosts).toEqual(before.hosts);
      expect(r.state.relayPid).toBe(before.relayPid);
    }, 120_000);

    it('measures the link within 20 % of 50 ms and 100 mbit', async () => {
      const s = await testbedStatus();
      report(`at 50 ms / 100 mbit: ${summarize(s)}`);
      expect(s.healthy).toBe(true);
      expectLink(s, 0.05, mbit(100));
    }, 120_000);

    it('lets host a ssh to host b across the link with pinned keys, and blocks the direct path', () => {
      const r = sh(sshArgv('echo $FERRY_CLUSTER; docker version --format {{.Server.Version}}'));
      expect(r.err).toBe('');
      expect(r.out.split('\n')[0]).toBe('cluster-b');
      const nested = sh([
        'ssh', '-F', paths.sshConfig, a.hostAddress,
        `ssh -F ${paths.sshConfig} ${peerAddress(a, b)} 'echo $FERRY_CLUSTER'`,
      ]); // prettier-ignore
      expect(nested.out.trim()).toBe('cluster-b');
      const direct = sh(inNetns(a.netns, ['ssh', '-F', paths.sshConfig, b.hostAddress, 'true']));
      expect(direct.code).not.toBe(0);
      expect(direct.err).toMatch(/No route to host|Network is unreachable|prohibited/i);
    });

    it('applies 20 ms / 1 gbit live', async () => {
      await setLink('a', 'b', { rtt: millis(20), bandwidth: gbit(1) });
      const s = await testbedStatus();
      report(`at 20 ms / 1 gbit: ${summarize(s)}`);
      expectLink(s, 0.02, gbit(1));
    }, 180_000);

    it('cut (reset) makes a transfer fail at once; restore heals', async () => {
      await setLink('a', 'b', { rtt: millis(50), bandwidth: mbit(100) });
      const argv = sshArgv('cat > /dev/null');
      const transfer = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'ignore', 'pipe'] });
      transfer.stdin.on('error', () => undefined);
      const chunk = Buffer.alloc(1 << 20);
      let sent = 0;
      const pump = (): void => {
        while (sent < 200) {
          sent++;
          if (!transfer.stdin.write(chunk)) {
            transfer.stdin.once('drain', pump);
            return;
          }
        }
        transfer.stdin.end();
      };
      pump();
      const exited = new Promise<number | null>((resolve) => transfer.on('exit', resolve));
      await new Promise((resolve) => setTimeout(resolve, 2500));
      const t0 = Date.now();
      await cutLink('a', 'b');
      const code = await exited;
      report(
        `transfer failed ${Date.now() - t0} ms after the cut, exit ${code}, after ~${sent} MiB were written into ssh`,
      );
      expect(code).not.toBe(0);
      expect(sh(sshArgv('true'), 15000).code).not.toBe(0);
      expect((await testbedStatus({ measure: true })).links[0]!.note).toBe('cut (reset)');
      await restoreLink('a', 'b');
      expect(sh(sshArgv('echo back')).out.trim()).toBe('back');
    }, 120_000);

    it('blackhole makes transfers hang; restore resumes them', async () => {
      const argv = sshArgv('echo one; sleep 3; echo two');
      const session = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      session.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise<number | null>((resolve) => session.on('exit', resolve));
      while (!out.includes('one')) await new Promise((resolve) => setTimeout(resolve, 50));
      await cutLink('a', 'b', 'blackhole');
      const hung = sh(['timeout', '4', ...sshArgv('true')], 10000);
      expect(hung.code).toBe(124); // killed by timeout: it hung rather than failed
      expect(out).not.toContain('two');
      await restoreLink('a', 'b');
      expect(await exited).toBe(0);
      expect(out).toContain('two');
    }, 60_000);

    it('down leaves no namespace, process, mount, cgroup or file behind', async () => {
      const r = await testbedDown({ onProgress: report });
      report(`down: ${formatDuration(r.elapsed)}`);
      expect(r).toMatchObject({ processes: [], mounts: [], other: [] });
      expect(sh(['ip', 'netns', 'list']).out).not.toMatch(/\bferry-(wan|c\d)\b/);
      expect(sh(['ip', 'link', 'show', 'ferry-mgmt']).code).not.toBe(0);
      expect(fs.readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(paths.stateDir);
      const procs = sh(['ps', '-eo', 'pid,args']).out.split('\n');
      expect(procs.filter((l) => l.includes(paths.stateDir))).toEqual([]);
      expect(fs.existsSync(paths.stateDir)).toBe(false);
      for (const h of fs.readdirSync('/sys/fs/cgroup')) {
        expect(fs.existsSync(`/sys/fs/cgroup/${h}/ferry-c1`)).toBe(false);
      }
      const again = await testbedDown();
      expect(again).toMatchObject({ processes: [], mounts: [], other: [] });
    }, 120_000);

    it('down also cleans up after a half-built bed', async () => {
      await ensureNetwork(clusterPlans(2));
      const sleeper = spawn('nsenter', [`--net=/var/run/netns/${a.netns}`, '--', 'sleep', '300'], {
        detached: true,
        stdio: 'ignore',
      });
      const gone = new Promise((resolve) => sleeper.on('exit', resolve));
      await new Promise((resolve) => setTimeout(resolve, 200));
      const r = await testbedDown();
      expect(r).toMatchObject({ processes: [], other: [] });
      expect(sh(['ip', 'netns', 'list']).out).not.toMatch(/\bferry-(wan|c\d)\b/);
      await expect(
        Promise.race([gone.then(() => 'killed'), new Promise((r) => setTimeout(() => r('alive'), 5000))]),
      ).resolves.toBe('killed');
    }, 60_000);
  },
);
