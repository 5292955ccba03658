/**
 * The link probe, run by `ferry testbed status` inside cluster namespaces (plain Node, no SSH, so no crypto
 * cost distorts throughput):
 *
 *   serve <address> <port>                       echo/sink/source service; prints `ready` when listening
 *   measure <address> <port> <rounds> <bytes>     prints one JSON line: {"rttMs":[..],"upBytesPerSecond":..,"downBytesPerSecond":..}
 *
 * Protocol: the client's first line picks the mode: `ECHO` (every byte echoed), `SINK <n>` (server reads n
 * bytes and answers one JSON line with its own timing), `SOURCE <n>` (server sends n bytes and closes).
 * Throughput is timed at the receiver from the first to the last chunk, so the link's delay does not count.
 */
import * as net from 'node:net';
import { performance } from 'node:perf_hooks';

const CHUNK = Buffer.alloc(256 * 1024, 0x5a);

function serve(address: string, port: number): void {
  const server = net.createServer((sock) => {
    sock.setNoDelay(true);
    sock.on('error', () => undefined);
    let head = Buffer.alloc(0);
    const onHead = (d: Buffer): void => {
      head = Buffer.concat([head, d]);
      const nl = head.indexOf(0x0a);
      if (nl < 0) return;
      sock.off('data', onHead);
      const [mode, arg] = head.subarray(0, nl).toString().trim().split(' ');
      const rest = head.subarray(nl + 1);
      if (mode === 'ECHO') {
        if (rest.length > 0) sock.write(rest);
        sock.on('data', (x: Buffer) => sock.write(x));
        sock.on('end', () => sock.end());
      } else if (mode === 'SINK') sink(sock, Number(arg), rest);
      else if (mode === 'SOURCE') source(sock, Number(arg));
      else sock.destroy();
    };
    sock.on('data', onHead);
  });
  server.listen({ host: address, port }, () => process.stdout.write('ready\n'));
  process.on('SIGTERM', () => process.exit(0));
}

function sink(sock: net.Socket, total: number, first: Buffer): void {
  let got = 0;
  let firstLen = 0;
  let t0 = 0;
  const take = (d: Buffer): void => {
    if (d.length === 0) return;
    const t = performance.now();
    if (got === 0) {
      t0 = t;
      firstLen = d.length;
    }
    got += d.length;
    if (got >= total) {
      sock.off('data', take);
      sock.end(`${JSON.stringify({ bytes: got - firstLen, seconds: (t - t0) / 1000 })}\n`);
    }
  };
  take(first);
  sock.on('data', take);
}

function source(sock: net.Socket, total: number): void {
  let left = total;
  const pump = (): void => {
    while (left > 0) {
      const n = Math.min(left, CHUNK.length);
      left -= n;
      if (!sock.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) {
        sock.once('drain', pump);
        return;
      }
    }
    sock.end();
  };
  pump();
}

function open(address: string, port: number, header: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: address, port }, () => {
      s.off('error', reject);
      s.setNoDelay(true);
      s.write(`${header}\n`);
      resolve(s);
    });
    s.once('error', reject);
  });
}

/** Reads `\n`-terminated replies one at a time. */
function lines(s: net.Socket): () => Promise<string> {
  let buf = '';
  const waiting: ((l: string) => void)[] = [];
  const ready: string[] = [];
  s.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const l = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      const w = waiting.shift();
      if (w) w(l);
      else ready.push(l);
    }
  });
  return () => {
    const l = ready.shift();
    return l !== undefined ? Promise.resolve(l) : new Promise((resolve) => waiting.push(resolve));
  };
}

async function measureRtt(address: string, port: number, rounds: number): Promise<number[]> {
  const s = await open(address, port, 'ECHO');
  const next = lines(s);
  s.write('warm-up\n');
  await next();
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    s.write(`ping ${i}\n`);
    await next();
    samples.push(performance.now() - t0);
  }
  s.end();
  return samples;
}

async function measureUp(address: string, port: number, bytes: number): Promise<number> {
  const s = await open(address, port, `SINK ${bytes}`);
  const next = lines(s);
  let left = bytes;
  while (left > 0) {
    const n = Math.min(left, CHUNK.length);
    left -= n;
    if (!s.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) {
      await new Promise((resolve) => s.once('drain', resolve));
    }
  }
  const r = JSON.parse(await next()) as { bytes: number; seconds: number };
  s.end();
  return r.bytes / r.seconds;
}

async function measureDown(address: string, port: number, bytes: number): Promise<number> {
  const s = await open(address, port, `SOURCE ${bytes}`);
  return new Promise((resolve, reject) => {
    let got = 0;
    let firstLen = 0;
    let t0 = 0;
    let t1 = 0;
    s.on('data', (d: Buffer) => {
      t1 = performance.now();
      if (got === 0) {
        t0 = t1;
        firstLen = d.length;
      }
      got += d.length;
    });
    s.on('end', () => {
      s.end();
      if (got < bytes) reject(new Error(`only ${got} of ${bytes} bytes arrived`));
      else resolve((got - firstLen) / ((t1 - t0) / 1000));
    });
    s.on('error', reject);
  });
}

async function measure(address: string, port: number, rounds: number, bytes: number): Promise<void> {
  const rttMs = await measureRtt(address, port, rounds);
  const upBytesPerSecond = bytes > 0 ? await measureUp(address, port, bytes) : 0;
  const downBytesPerSecond = bytes > 0 ? await measureDown(address, port, bytes) : 0;
  process.stdout.write(`${JSON.stringify({ rttMs, upBytesPerSecond, downBytesPerSecond })}\n`);
}

const [mode, address, portText, roundsText, bytesText] = process.argv.slice(2);
const port = Number(portText);
if (mode === 'serve' && address) serve(address, port);
else if (mode === 'measure' && address) {
  measure(address, port, Number(roundsText ?? 10), Number(bytesText ?? 0)).then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`probe: ${(e as Error).message}\n`);
      process.exit(1);
    },
  );
} else {
  process.stderr.write(
    'usage: probe serve <address> <port> | probe measure <address> <port> <rounds> <bytes>\n',
  );
  process.exit(2);
}
