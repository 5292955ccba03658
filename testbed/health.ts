/** Liveness probes of the daemons (thin I/O): Docker's `/_ping`, an SSH banner, a unix socket. */
import * as http from 'node:http';
import * as net from 'node:net';

/** True if the Docker Engine at unix socket `socketPath` answers `GET /_ping` with 200 within `timeoutMs`. */
export function dockerPing(socketPath: string, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ socketPath, path: '/_ping', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

/** The SSH identification line of the server at `address:port`, or `undefined` if none within `timeoutMs`. */
export function sshBanner(address: string, port: number, timeoutMs = 3000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: address, port });
    let buf = '';
    const done = (v: string | undefined): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    sock.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      const nl = buf.indexOf('\n');
      if (nl >= 0) done(buf.startsWith('SSH-') ? buf.slice(0, nl).trim() : undefined);
    });
    sock.on('error', () => done(undefined));
    sock.on('end', () => done(undefined));
  });
}

/** True if something accepts connections on unix socket `socketPath` within `timeoutMs`. */
export function unixSocketAnswers(socketPath: string, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(socketPath);
    const timer = setTimeout(() => {
      sock.destroy();
      resolve(false);
    }, timeoutMs);
    sock.on('connect', () => {
      clearTimeout(timer);
      sock.destroy();
      resolve(true);
    });
    sock.on('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

/**
 * One request to a Docker Engine's API over its unix socket.
 * @returns status code and body; rejects on connection errors or after `timeoutMs`.
 */
export function dockerRequest(
  socketPath: string,
  method: string,
  urlPath: string,
  timeoutMs = 10000,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, method, path: urlPath, timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () =>
      req.destroy(new Error(`${method} ${urlPath} on ${socketPath}: no answer in ${timeoutMs} ms`)),
    );
    req.on('error', reject);
    req.end();
  });
}
