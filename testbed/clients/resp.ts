/**
 * A minimal Redis client for the test bed's clients (RESP2 over one TCP connection): enough to send `INCR`, `GET` and
 * `DEBUG POPULATE` and read integer, bulk, status and error replies. The point of a test client of our own
 * is to see every reply and every failure with its time, which redis-cli's loop would hide.
 */
import * as net from 'node:net';

/** A reply: an integer, a string (bulk or status), `null` (nil bulk), or an error. */
export type RespReply = number | string | null | { readonly error: string };

/** Encodes a command as a RESP array of bulk strings. */
export function encodeCommand(args: readonly string[]): Buffer {
  const parts = [`*${args.length}\r\n`];
  for (const a of args) parts.push(`$${Buffer.byteLength(a)}\r\n${a}\r\n`);
  return Buffer.from(parts.join(''));
}

/** Parses one reply at the start of `buf`; `undefined` when it is not complete yet. */
export function parseReply(buf: Buffer): { reply: RespReply; rest: Buffer } | undefined {
  const eol = buf.indexOf('\r\n');
  if (eol < 0) return undefined;
  const line = buf.subarray(1, eol).toString();
  const after = buf.subarray(eol + 2);
  switch (String.fromCharCode(buf[0]!)) {
    case ':':
      return { reply: Number(line), rest: after };
    case '+':
      return { reply: line, rest: after };
    case '-':
      return { reply: { error: line }, rest: after };
    case '$': {
      const n = Number(line);
      if (n < 0) return { reply: null, rest: after };
      if (after.length < n + 2) return undefined;
      return { reply: after.subarray(0, n).toString(), rest: after.subarray(n + 2) };
    }
    default:
      throw new Error(`unexpected RESP reply type ${JSON.stringify(String.fromCharCode(buf[0]!))}`);
  }
}

/** One connection; `call` sends a command and resolves its reply (one call at a time). */
export class RespConnection {
  private buf: Buffer = Buffer.alloc(0);
  private waiting: { ok: (r: RespReply) => void; fail: (e: Error) => void } | undefined;
  private closed: Error | undefined;

  private constructor(private readonly sock: net.Socket) {
    sock.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      const p = parseReply(this.buf);
      if (p === undefined || this.waiting === undefined) return;
      this.buf = p.rest;
      const w = this.waiting;
      this.waiting = undefined;
      w.ok(p.reply);
    });
    const end = (e: Error): void => {
      this.closed ??= e;
      this.waiting?.fail(e);
      this.waiting = undefined;
    };
    sock.on('error', end);
    sock.on('close', () => end(new Error('connection closed')));
  }

  /** Connects to `host:port` within `timeoutMs`. */
  static connect(host: string, port: number, timeoutMs = 2000): Promise<RespConnection> {
    return new Promise((resolve, reject) => {
      const sock = net.connect(port, host);
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new Error(`connect ${host}:${port} timed out`));
      }, timeoutMs);
      sock.once('connect', () => {
        clearTimeout(timer);
        resolve(new RespConnection(sock));
      });
      sock.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  }

  /** Sends `args`, resolves the reply within `timeoutMs`; rejects when the connection fails. */
  call(args: readonly string[], timeoutMs = 2000): Promise<RespReply> {
    if (this.closed) return Promise.reject(this.closed);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        this.sock.destroy();
        reject(new Error(`${args[0]} timed out`));
      }, timeoutMs);
      this.waiting = {
        ok: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        fail: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.sock.write(encodeCommand(args));
    });
  }

  /** Closes the connection. */
  close(): void {
    this.sock.destroy();
  }
}
