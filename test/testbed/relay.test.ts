/** The relay on loopback (no root, no namespaces): delays, integrity, connection timing, cut and blackhole. */
import * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { RelayConfig, RelayCut } from '../../testbed/relay/relay-config';
import { Relay } from '../../testbed/relay/relay-server';

const LINK = 'cluster-a<->cluster-b';
const LISTEN = '127.0.0.2';
const TARGET = '127.0.0.3';

let echo: net.Server;
let port: number;
let relay: Relay;
let banner = false;

function config(oneWayDelayMs: number, cut: RelayCut = 'none'): RelayConfig {
  return {
    version: 1,
    controlSocket: '/nonexistent',
    pidFile: '/nonexistent',
    routes: [{ link: LINK, listenAddress: LISTEN, port, targetAddress: TARGET, bindAddress: '127.0.0.1' }],
    links: { [LINK]: { oneWayDelayMs, rateBytesPerSecond: 100e6, cut } },
  };
}

beforeAll(async () => {
  echo = net.createServer({ allowHalfOpen: true }, (s) => {
    s.on('error', () => undefined);
    if (banner) s.write('HELLO\n');
    s.pipe(s);
  });
  await new Promise<void>((resolve) => echo.listen({ host: TARGET, port: 0 }, resolve));
  port = (echo.address() as net.AddressInfo).port;
  relay = new Relay(() => undefined);
  await relay.apply(config(30));
});

afterAll(async () => {
  await relay.close();
  await new Promise((resolve) => echo.close(resolve));
});

function connect(): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: LISTEN, port }, () => resolve(s));
    s.setNoDelay(true);
    s.once('error', reject);
  });
}

function readBytes(s: net.Socket, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let got = 0;
    const on = (d: Buffer): void => {
      parts.push(d);
      got += d.length;
      if (got >= n) {
        s.off('data', on);
        resolve(Buffer.concat(parts));
      }
    };
    s.on('data', on);
    s.once('error', reject);
  });
}

async function roundTrip(s: net.Socket): Promise<number> {
  const t0 = performance.now();
  s.write('ping\n');
  await readBytes(s, 5);
  return performance.now() - t0;
}

describe('relay', () => {
  it.each([
    [30, 60],
    [5, 10],
    [0, 0],
  ])('with %d ms each way, an echo round trip takes about %d ms', async (delay, rtt) => {
    await relay.apply(config(delay));
    const s = await connect();
    await roundTrip(s); // connection set-up
    const samples = [await roundTrip(s), await roundTrip(s), await roundTrip(s)].sort((a, b) => a - b);
    expect(samples[1]!).toBeGreaterThanOrEqual(rtt - 1);
    expect(samples[1]!).toBeLessThan(rtt + 15);
    s.destroy();
  });

  it('carries 8 MiB intact and in order, with half-close', async () => {
    await relay.apply(config(2));
    const data = Buffer.alloc(8 * 1024 * 1024);
    for (let i = 0; i < data.length; i += 4) data.writeUInt32LE(i, i);
    const s = await connect();
    const back = readBytes(s, data.length);
    s.end(data);
    expect((await back).equals(data)).toBe(true);
  });

  it('delivers a server-first banner about 2 RTT after connect, as real TCP does', async () => {
    await relay.apply(config(20));
    banner = true;
    try {
      const t0 = performance.now();
      const s = await connect();
      await readBytes(s, 6);
      const took = performance.now() - t0;
      expect(took).toBeGreaterThanOrEqual(79);
      expect(took).toBeLessThan(120);
      s.destroy();
    } finally {
      banner = false;
    }
  });

  it('reset: open connections are reset and new ones refused; restore heals', async () => {
    await relay.apply(config(1));
    const s = await connect();
    await roundTrip(s);
    const closed = new Promise<string>((resolve) => {
      s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      s.on('close', () => resolve('close'));
    });
    await relay.apply(config(1, 'reset'));
    expect(['ECONNRESET', 'close']).toContain(await closed);
    const outcome = await connect().then(
      (refused) =>
        new Promise<string>((resolve) => {
          refused.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
          refused.on('close', () => resolve('close'));
          refused.write('x\n');
        }),
      (e: NodeJS.ErrnoException) => e.code ?? 'error',
    );
    expect(['ECONNRESET', 'close', 'EPIPE']).toContain(outcome);
    expect(relay.status()[LINK]?.connections).toBe(0);
    await relay.apply(config(1));
    const again = await connect();
    expect(await roundTrip(again)).toBeLessThan(100);
    again.destroy();
  });

  it('blackhole: nothing passes while cut, then everything resumes in order', async () => {
    await relay.apply(config(1));
    const s = await connect();
    await roundTrip(s);
    await relay.apply(config(1, 'blackhole'));
    const got = readBytes(s, 10);
    s.write('0123456789');
    const early = await Promise.race([
      got.then(() => 'arrived'),
      new Promise((r) => setTimeout(() => r('held'), 300)),
    ]);
    expect(early).toBe('held');
    const fresh = await connect();
    const freshReply = readBytes(fresh, 5);
    fresh.write('ping\n');
    await relay.apply(config(1));
    expect((await got).toString()).toBe('0123456789');
    expect((await freshReply).toString()).toBe('ping\n');
    s.destroy();
    fresh.destroy();
  });

  it('counts connections and bytes per link', async () => {
    await relay.apply(config(0));
    const s = await connect();
    await roundTrip(s);
    const st = relay.status()[LINK]!;
    expect(st.connections).toBeGreaterThanOrEqual(1);
    expect(st.bytes).toBeGreaterThan(0);
    s.destroy();
  });
});
