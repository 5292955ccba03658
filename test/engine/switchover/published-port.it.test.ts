/**
 * A served, networked container moves: busybox httpd on the default bridge network, port 8080 published,
 * serving a counter that a shell loop in the container keeps writing. Before the move the port answers on
 * cluster-a's host (directly from the machine running Ferry, and from cluster-b across the emulated link);
 * after it, on cluster-b's host, with the counter going on from where it was, and no longer on cluster-a.
 * A client connected during the move sees its connection reset and reconnects. The cutover hook runs with
 * the new endpoints while the target serves (and again with the old ones after a failed switch, which
 * rolls back). Preflight refuses a move whose port is taken on the target, and a container with a setting
 * Ferry cannot carry, naming it.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { migrate } from '../../../provider/engine/migrate';
import { PreflightFailed } from '../../../provider/errors';
import type { ContainerSpec } from '../../../provider/hosts/container-runtime';
import type { ConnectedHost } from '../../../provider/hosts/connect';
import { seconds } from '../../../provider/units';
import type { Testbed } from '../../../testbed';
import { clusterPlans, peerAddress } from '../../../testbed/address-plan';
import { bedAt50ms, connectBoth, copies, sleep, testDeps, type Hosts } from '../support';

jest.setTimeout(600_000);

let bed: Testbed;
let h: Hosts;
const NAME = `it-port-${process.pid}`;
const BLOCKER = `it-port-blocker-${process.pid}`;
const PORT = 8080;

/** The counter service: a loop writes the count into /www/n every 100 ms, httpd serves it. */
function service(name: string, extra: Partial<ContainerSpec> = {}): ContainerSpec {
  return {
    name,
    image: 'ferry/dirtier:latest',
    cmd: [
      'sh',
      '-c',
      'mkdir -p /www; i=0; while :; do i=$((i+1)); echo $i > /www/t; mv /www/t /www/n; sleep 0.1; done & exec httpd -f -p 0.0.0.0:8080 -h /www',
    ],
    labels: { 'ferry.workload': name },
    hostConfig: { networkMode: 'bridge', ports: [{ internal: PORT, external: PORT, protocol: 'tcp' }] },
    ...extra,
  };
}

async function start(host: ConnectedHost, spec: ContainerSpec): Promise<void> {
  await host.runtime.remove(spec.name!, { force: true });
  await host.runtime.start(await host.runtime.create(spec));
}

/** `GET http://<address>:8080/n` run on `from` (a host of the bed): the count, or `undefined` when it fails. */
async function countVia(from: ConnectedHost, address: string): Promise<number | undefined> {
  const r = await from.shell.exec(['curl', '-s', '-m', '3', `http://${address}:${PORT}/n`], {
    timeout: seconds(10),
  });
  const n = Number(r.stdout.toString().trim());
  return r.exitCode === 0 && Number.isInteger(n) && n > 0 ? n : undefined;
}

/** The same from the machine running Ferry (the management path, not across the emulated link). */
async function countDirect(address: string): Promise<number | undefined> {
  try {
    const res = await fetch(`http://${address}:${PORT}/n`, { signal: AbortSignal.timeout(3000) });
    const n = Number((await res.text()).trim());
    return res.ok && Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

beforeAll(async () => {
  bed = await bedAt50ms();
  h = await connectBoth(bed);
});

afterAll(async () => {
  for (const n of [NAME, BLOCKER]) {
    await h?.ha.runtime.remove(n, { force: true });
    await h?.hb.runtime.remove(n, { force: true });
  }
  await h?.ha.close();
  await h?.hb.close();
});

const keys = (): { authorizedKeysFile: string } => ({ authorizedKeysFile: bed.paths.clientKeyPub });

describe('a container with a published port', () => {
  const [a, b] = clusterPlans(2);
  const aSeenFromB = peerAddress(b!, a!);
  const bSeenFromA = peerAddress(a!, b!);

  it('moves: the port answers on the new host, across the link too, and the count goes on', async () => {
    await start(h.ha, service(NAME));
    await sleep(1500);
    const before = await countDirect(h.a.host.address);
    expect(before).toBeGreaterThan(0);
    expect(await countVia(h.hb, aSeenFromB)).toBeGreaterThanOrEqual(before!);

    const r = await migrate({ container: NAME, source: h.a, target: h.b, ...keys() }, testDeps());
    expect(r.to).toBe('cluster-b/host-1');
    expect(await copies(h.ha, NAME)).toEqual([]);
    const after = await countDirect(h.b.host.address);
    expect(after).toBeGreaterThan(before!);
    expect(await countVia(h.ha, bSeenFromA)).toBeGreaterThanOrEqual(after!);
    expect(await countDirect(h.a.host.address)).toBeUndefined();
    const info = await h.hb.runtime.inspect(NAME);
    expect(info!.publishedPorts).toEqual([{ internal: PORT, external: PORT, protocol: 'tcp' }]);
    process.stderr.write(`count ${before} before, ${after} after the move; downtime ${r.downtime} s\n`);
  });

  it('moves with a client connected: the connection is closed at the switchover, the client reconnects', async () => {
    await h.hb.runtime.remove(NAME, { force: true });
    await start(h.ha, service(NAME));
    await sleep(1000);
    const before = await countDirect(h.a.host.address);
    const sock = net.connect(PORT, h.a.host.address);
    await new Promise<void>((ok, fail) => sock.once('connect', ok).once('error', fail));
    const ended = new Promise<string>((ok) => {
      sock.once('error', (e: NodeJS.ErrnoException) => ok(e.code ?? 'error'));
      sock.once('end', () => ok('end'));
    });
    const r = await migrate({ container: NAME, source: h.a, target: h.b, ...keys() }, testDeps());
    expect(r.to).toBe('cluster-b/host-1');
    // the old connection is gone: the next request on it fails (reset, or closed by the peer)
    sock.write('GET /n HTTP/1.0\r\n\r\n');
    const how = await Promise.race([ended, sleep(10_000).then(() => 'still open')]);
    sock.destroy();
    expect(['ECONNRESET', 'end', 'EPIPE']).toContain(how);
    // a new connection reaches the moved service, whose count went on
    expect(await countDirect(h.b.host.address)).toBeGreaterThan(before!);
    process.stderr.write(`the connected client saw: ${how}\n`);
  });

  /**
   * A cutover hook that records each call (its JSON, and what the first endpoint answered at that moment)
   * into `log`, and fails the `switch` call when `failSwitch` is set.
   */
  function hookFiles(failSwitch: boolean): {
    argv: string[];
    calls: () => { event: Record<string, unknown>; answered: string }[];
  } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-cutover-'));
    const log = path.join(dir, 'calls');
    const script = path.join(dir, 'hook.sh');
    fs.writeFileSync(
      script,
      [
        'ev=$(cat)',
        'ep=$(printf "%s" "$ev" | sed -n \'s/.*"endpoints":\\[{"protocol":"tcp","host":"\\([^"]*\\)","port":\\([0-9]*\\)}.*/\\1:\\2/p\')',
        'got=$(curl -s -m 3 "http://$ep/n" || echo none)',
        'printf "%s\\t%s\\n" "$ev" "$got" >> "$1"',
        `case $ev in *'"phase":"switch"'*) [ ${failSwitch ? 1 : 0} = 0 ] || { echo "lb refused the switch" >&2; exit 1; } ;; esac`,
      ].join('\n'),
    );
    return {
      argv: ['sh', script, log],
      calls: () =>
        (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : []).map((l) => {
          const [ev, answered] = l.split('\t');
          return { event: JSON.parse(ev!) as Record<string, unknown>, answered: answered ?? '' };
        }),
    };
  }

  it('runs the cutover hook with the new endpoints while the target already serves and before the source is removed', async () => {
    await h.hb.runtime.remove(NAME, { force: true });
    await start(h.ha, service(NAME));
    await sleep(1000);
    const hook = hookFiles(false);
    const r = await migrate(
      { container: NAME, source: h.a, target: h.b, cutover: hook.argv, ...keys() },
      testDeps(),
    );
    const calls = hook.calls();
    expect(calls).toHaveLength(1);
    expect(calls[0]!.event).toMatchObject({
      version: 1,
      phase: 'switch',
      container: NAME,
      from: 'cluster-a/host-1',
      to: 'cluster-b/host-1',
      endpoints: [{ protocol: 'tcp', host: h.b.host.address, port: PORT }],
      previous: [{ protocol: 'tcp', host: h.a.host.address, port: PORT }],
    });
    expect(Number(calls[0]!.answered)).toBeGreaterThan(0); // the target served when the hook ran
    expect(r.notes.join('\n')).toMatch(/cutover hook: clients sent to cluster-b\/host-1/);
  });

  it('a failing cutover rolls back, and the hook runs again with the old endpoints', async () => {
    await h.hb.runtime.remove(NAME, { force: true });
    await start(h.ha, service(NAME));
    await sleep(1000);
    const hook = hookFiles(true);
    const err = await migrate(
      { container: NAME, source: h.a, target: h.b, cutover: hook.argv, ...keys() },
      testDeps(),
    ).catch((e: unknown) => e);
    expect(String(err)).toMatch(/cutover hook sh .* \(switch\) exited with 1: lb refused the switch/);
    const calls = hook.calls();
    expect(calls.map((c) => c.event.phase)).toEqual(['switch', 'rollback']);
    expect(calls[1]!.event).toMatchObject({
      endpoints: [{ protocol: 'tcp', host: h.a.host.address, port: PORT }],
      previous: [{ protocol: 'tcp', host: h.b.host.address, port: PORT }],
    });
    expect(Number(calls[1]!.answered)).toBeGreaterThan(0); // the source served again when clients came back
    expect(await copies(h.ha, NAME)).toEqual(['running']);
    expect(await copies(h.hb, NAME)).toEqual([]);
    expect(String(err)).toMatch(/cutover hook: clients sent back to cluster-a\/host-1/);
  });

  it('is refused in preflight when its port is taken on the target', async () => {
    await start(h.ha, service(NAME));
    await h.hb.runtime.remove(NAME, { force: true });
    await start(h.hb, service(BLOCKER));
    const err = await migrate({ container: NAME, source: h.a, target: h.b, ...keys() }, testDeps()).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PreflightFailed);
    expect(String(err)).toMatch(/port 8080\/tcp is already in use on cluster-b\/host-1/);
    expect(await copies(h.ha, NAME)).toEqual(['running']);
    await h.hb.runtime.remove(BLOCKER, { force: true });
  });

  it('is refused in preflight when it has a setting Ferry cannot carry, which is named', async () => {
    await start(h.ha, service(NAME, { copied: { config: {}, hostConfig: { PidMode: 'host' } } }));
    const err = await migrate({ container: NAME, source: h.a, target: h.b, ...keys() }, testDeps()).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PreflightFailed);
    expect(String(err)).toMatch(/HostConfig\.PidMode \("host"\) cannot be carried/);
    expect(await copies(h.ha, NAME)).toEqual(['running']);
    expect(await copies(h.hb, NAME)).toEqual([]);
  });
});
