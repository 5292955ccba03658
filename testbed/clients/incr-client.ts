/**
 * A client that keeps incrementing a Redis counter (thin I/O): one `INCR` every `intervalMs` over one
 * connection, reconnecting to wherever `endpoint()` says the service is now whenever the connection fails,
 * and logging every attempt with its time (`incr-log.ts` reads the log).
 */
import type { IncrAttempt } from './incr-log';
import { RespConnection } from './resp';

/** Where the service is. */
export interface ServiceAddress {
  /** Host address. */
  readonly host: string;
  /** TCP port. */
  readonly port: number;
}

/** A running client. */
export interface IncrClient {
  /** Stops it; resolves every attempt it made, in order. */
  stop(): Promise<IncrAttempt[]>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const why = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? (e as Error).message ?? String(e);

/**
 * Starts incrementing `key` at `endpoint()`, one `INCR` every `intervalMs`; a reply that takes longer than
 * `timeoutMs` counts as failed and the connection is dropped (a client's own request timeout).
 */
export function startIncrClient(
  endpoint: () => ServiceAddress,
  key: string,
  intervalMs = 10,
  timeoutMs = 2000,
): IncrClient {
  const t0 = Date.now();
  const log: IncrAttempt[] = [];
  let stopped = false;
  const loop = (async () => {
    let conn: RespConnection | undefined;
    while (!stopped) {
      const sentMs = Date.now() - t0;
      try {
        if (conn === undefined) {
          const ep = endpoint();
          conn = await RespConnection.connect(ep.host, ep.port, timeoutMs);
        }
        const r = await conn.call(['INCR', key], timeoutMs);
        log.push({
          sentMs,
          endedMs: Date.now() - t0,
          result: typeof r === 'number' ? { value: r } : { error: `reply ${JSON.stringify(r)}` },
        });
      } catch (e) {
        log.push({ sentMs, endedMs: Date.now() - t0, result: { error: why(e) } });
        conn?.close();
        conn = undefined;
      }
      await sleep(intervalMs);
    }
    conn?.close();
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return log;
    },
  };
}
