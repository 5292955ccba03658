/**
 * An `http.Agent` whose connections are byte streams opened on demand, e.g. a Docker Engine socket
 * forwarded through SSH (`RemoteShell.openUnixSocket`). Any HTTP client that accepts an agent (dockerode /
 * docker-modem do) then talks to the remote unix socket as if it were local. No ssh2 or dockerode here.
 */
import { Agent, type ClientRequestArgs } from 'node:http';
import type { Duplex } from 'node:stream';

/** Opens one new byte stream to the server. */
export type StreamOpener = () => Promise<Duplex>;

/**
 * Makes an agent that opens a new stream per HTTP request (no keep-alive: a forwarded SSH channel is
 * cheap to open, about one round trip, and a fresh one per request keeps failures independent).
 */
export function forwardingAgent(open: StreamOpener): Agent {
  const agent = new Agent({ keepAlive: false });
  agent.createConnection = (
    _options: ClientRequestArgs,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): undefined => {
    open().then(
      (stream) => callback?.(null, socketLike(stream)),
      (error: unknown) => callback?.(error as Error, undefined as unknown as Duplex),
    );
    return undefined;
  };
  return agent;
}

/**
 * Adds what Node's HTTP client may call on a `net.Socket` to a plain duplex: no-op `setNoDelay`,
 * `setKeepAlive`, `ref`, `unref` and `setTimeout` (callers use per-call deadlines instead of idle
 * timeouts). `destroy` additionally drains the readable side so that an SSH channel emits `close`.
 */
export function socketLike(stream: Duplex): Duplex {
  const s = stream as Duplex & Record<string, unknown>;
  for (const name of ['setNoDelay', 'setKeepAlive', 'ref', 'unref', 'setTimeout']) {
    if (typeof s[name] !== 'function') {
      s[name] = function (this: Duplex) {
        return this;
      };
    }
  }
  const destroy = stream.destroy.bind(stream);
  stream.destroy = (error?: Error) => {
    destroy(error);
    stream.resume();
    return stream;
  };
  return stream;
}
