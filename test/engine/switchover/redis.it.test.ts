/**
 * A real service moves with a client connected: Debian's redis-server (the `ferry/redis` image) on the
 * bridge network with port 6379 published, holding 64 MiB of data (`DEBUG POPULATE`), while a client on
 * the machine running Ferry sends `INCR` every 10 ms (giving up on a reply after 250 ms) and records every
 * reply. The cutover hook tells the
 * client where the service is now (it writes the new endpoints to a file the client reads when it
 * reconnects). Afterwards: every acknowledged increment is in the counter on the target, the data is
 * there, and the client-observed unavailability (the longest gap between two acknowledged replies) is
 * printed beside Ferry's measured downtime.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { migrate } from '../../../provider/engine/migrate';
import type { ContainerSpec } from '../../../provider/hosts/container-runtime';
import type { Testbed } from '../../../testbed';
import { startIncrClient, type ServiceAddress } from '../../../testbed/clients/incr-client';
import { noAcknowledgedWriteLost, summarizeIncrs } from '../../../testbed/clients/incr-log';
import { RespConnection } from '../../../testbed/clients/resp';
import { buildRedisImage, REDIS_PORT } from '../../../testbed/redis-image';
import { bedAt50ms, connectBoth, copies, sleep, testDeps, type Hosts } from '../support';

jest.setTimeout(600_000);

let bed: Testbed;
let h: Hosts;
const NAME = `it-redis-${process.pid}`;

const spec = (): ContainerSpec => ({
  name: NAME,
  image: 'ferry/redis:latest',
  labels: { 'ferry.workload': NAME },
  hostConfig: {
    networkMode: 'bridge',
    ports: [{ internal: REDIS_PORT, external: REDIS_PORT, protocol: 'tcp' }],
  },
});

async function redis(host: string, args: readonly string[]): Promise<unknown> {
  const c = await RespConnection.connect(host, REDIS_PORT);
  try {
    return await c.call(args, 30_000);
  } finally {
    c.close();
  }
}

beforeAll(async () => {
  bed = await bedAt50ms();
  h = await connectBoth(bed);
  await buildRedisImage([h.a.host.dockerSocket, h.b.host.dockerSocket], (l) =>
    process.stderr.write(`${l}\n`),
  );
});

afterAll(async () => {
  await h?.ha.runtime.remove(NAME, { force: true });
  await h?.hb.runtime.remove(NAME, { force: true });
  await h?.ha.close();
  await h?.hb.close();
});

it('moves Redis with 64 MiB and a client writing: no acknowledged write lost, the client gap measured', async () => {
  await h.ha.runtime.remove(NAME, { force: true });
  await h.hb.runtime.remove(NAME, { force: true });
  await h.ha.runtime.start(await h.ha.runtime.create(spec()));
  for (let i = 0; i < 50 && (await redis(h.a.host.address, ['PING']).catch(() => undefined)) !== 'PONG'; i++)
    await sleep(100);
  expect(await redis(h.a.host.address, ['DEBUG', 'POPULATE', '65536', 'key', '1024'])).toBe('OK');
  expect(await redis(h.a.host.address, ['DBSIZE'])).toBe(65536);

  // the client follows the endpoints the cutover hook writes
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-redis-it-'));
  const endpointsFile = path.join(dir, 'endpoints.json');
  let current: ServiceAddress = { host: h.a.host.address, port: REDIS_PORT };
  const endpoint = (): ServiceAddress => {
    try {
      const ev = JSON.parse(fs.readFileSync(endpointsFile, 'utf8')) as { endpoints: ServiceAddress[] };
      current = ev.endpoints[0] ?? current;
    } catch {
      // not written yet: the source
    }
    return current;
  };
  const client = startIncrClient(endpoint, 'ctr', 10, 250); // a client that gives up on a reply after 250 ms
  await sleep(1500);
  const r = await migrate(
    {
      container: NAME,
      source: h.a,
      target: h.b,
      cutover: ['sh', '-c', 'cat > "$1.tmp" && mv "$1.tmp" "$1"', 'cutover', endpointsFile],
      authorizedKeysFile: bed.paths.clientKeyPub,
    },
    testDeps(),
  );
  await sleep(2000);
  const log = await client.stop();
  const s = summarizeIncrs(log);

  expect(r.to).toBe('cluster-b/host-1');
  expect(await copies(h.ha, NAME)).toEqual([]);
  const final = Number(await redis(h.b.host.address, ['GET', 'ctr']));
  expect(s.acknowledged).toBeGreaterThan(100);
  expect(noAcknowledgedWriteLost(s, final)).toBe(true);
  expect(await redis(h.b.host.address, ['DBSIZE'])).toBe(65537);
  expect(await redis(h.b.host.address, ['GET', 'key:12345'])).toMatch(/^value:12345/);
  // the client went on against the target after the move
  expect(
    log.filter((a) => a.sentMs > s.longestGapAtMs + s.longestGapMs && 'value' in a.result).length,
  ).toBeGreaterThan(10);
  process.stderr.write(
    `redis move: Ferry downtime ${(r.downtime * 1000).toFixed(0)} ms (planned ${((r.plan?.downtime ?? 0) * 1000).toFixed(0)} ms, strategy ${r.strategy}); ` +
      `client: longest gap ${s.longestGapMs} ms, ${s.acknowledged} acknowledged INCRs checked, ${s.errors} errors ${JSON.stringify(s.errorKinds)}, ` +
      `counter ${final} >= last acknowledged ${s.lastAcknowledged}\n`,
  );
  fs.rmSync(dir, { recursive: true, force: true });
});
