/**
 * The dockerode adapter against a scripted Engine API on a local unix socket: request shapes, error
 * mapping and deadlines, without a real engine (the integration test covers that).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandFailed, HostUnreachable, TimedOut } from '../../provider/errors';
import { dockerodeRuntimeOverShell, localDockerodeRuntime } from '../../provider/hosts/dockerode-runtime';
import type { RemoteShell } from '../../provider/hosts/remote-shell';
import { seconds } from '../../provider/units';

interface Seen {
  method: string;
  url: string;
  body: string;
}

describe('dockerode runtime (scripted engine)', () => {
  let dir: string;
  let socketPath: string;
  let server: Server;
  const seen: Seen[] = [];
  let respond: (req: Seen, res: ServerResponse) => void;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferry-hosttest-engine-'));
    socketPath = join(dir, 'docker.sock');
    server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const s = { method: req.method ?? '', url: req.url ?? '', body };
        seen.push(s);
        respond(s, res);
      });
    });
    await new Promise<void>((r) => server.listen(socketPath, r));
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    seen.length = 0;
  });

  const json = (res: ServerResponse, status: number, value: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(value));
  };

  /** A RemoteShell whose unix sockets are local ones: exercises the forwarding-agent path without SSH. */
  const fakeShell = (): RemoteShell => ({
    exec: async () => {
      throw new Error('unused');
    },
    spawn: async () => {
      throw new Error('unused');
    },
    openUnixSocket: async (path) => connect(path),
    describe: () => 'root@fake:22',
    close: async () => undefined,
    [Symbol.asyncDispose]: async () => undefined,
  });

  it('starts from a checkpoint with the name in the query and no body', async () => {
    respond = (_, res) => {
      res.writeHead(204);
      res.end();
    };
    const rt = await dockerodeRuntimeOverShell(fakeShell(), socketPath);
    await rt.start('abc', { checkpoint: 'ferry-cp' });
    await rt.start('abc');
    expect(seen).toEqual([
      { method: 'POST', url: '/containers/abc/start?checkpoint=ferry-cp', body: '' },
      { method: 'POST', url: '/containers/abc/start?', body: '' },
    ]);
    await rt.close();
  });

  it('maps 404s to "absent" where that is an answer, and other statuses to CommandFailed', async () => {
    respond = (req, res) =>
      req.url.startsWith('/containers/gone')
        ? json(res, 404, { message: 'No such container: gone' })
        : json(res, 500, { message: 'engine on fire' });
    const rt = await localDockerodeRuntime(socketPath);
    await expect(rt.inspect('gone')).resolves.toBeUndefined();
    await expect(rt.remove('gone', { force: true })).resolves.toBeUndefined();
    await expect(rt.imageExists('x')).rejects.toMatchObject({ exitCode: 500 });
    const error = await rt.kill('other').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandFailed);
    expect(error).toMatchObject({ argv: ['POST', '/containers/other/kill?signal=SIGKILL'], exitCode: 500 });
    expect(String(error)).toContain('engine on fire');
    await rt.close();
  });

  it('sends create bodies with the name in the query and label filters as JSON', async () => {
    respond = (req, res) =>
      req.url.startsWith('/containers/create') ? json(res, 201, { Id: 'new-id' }) : json(res, 200, []);
    const rt = await localDockerodeRuntime(socketPath);
    await expect(
      rt.create({ name: 'web', image: 'img', cmd: ['a b'], hostConfig: { networkMode: 'none' } }),
    ).resolves.toBe('new-id');
    await rt.list({ labels: { 'ferry.migration': 'm1' } });
    expect(seen[0]!.url).toBe('/containers/create?name=web');
    expect(JSON.parse(seen[0]!.body)).toMatchObject({
      Image: 'img',
      Cmd: ['a b'],
      HostConfig: { NetworkMode: 'none' },
    });
    const list = new URL(seen[1]!.url, 'http://x');
    expect(list.searchParams.get('all')).toBe('true');
    expect(JSON.parse(list.searchParams.get('filters')!)).toEqual({ label: ['ferry.migration=m1'] });
    await rt.close();
  });

  it('gives up after the call deadline with TimedOut', async () => {
    respond = () => undefined; // never answers
    const rt = await localDockerodeRuntime(socketPath, { callTimeout: seconds(0.2) });
    const t = Date.now();
    await expect(rt.ping()).rejects.toBeInstanceOf(TimedOut);
    expect(Date.now() - t).toBeLessThan(2000);
    await rt.close();
  });

  it('ignores DOCKER_HOST for the local variant', async () => {
    respond = (_, res) => res.end('OK');
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'tcp://127.0.0.1:1';
    try {
      const rt = await localDockerodeRuntime(socketPath);
      await expect(rt.ping()).resolves.toBeUndefined();
      await rt.close();
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });

  it('reports a socket nobody listens on as HostUnreachable', async () => {
    const rt = await localDockerodeRuntime(join(dir, 'absent.sock'));
    await expect(rt.ping()).rejects.toBeInstanceOf(HostUnreachable);
    await rt.close();
  });
});
