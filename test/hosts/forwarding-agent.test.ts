import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, get, type Server } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forwardingAgent } from '../../provider/hosts/forwarding-agent';

describe('forwardingAgent', () => {
  let dir: string;
  let server: Server;
  let socketPath: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferry-hosttest-agent-'));
    socketPath = join(dir, 'api.sock');
    server = createServer((req, res) => res.end(`${req.method} ${req.url}`));
    await new Promise<void>((r) => server.listen(socketPath, r));
  });

  afterAll(async () => {
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  /** GETs `path` through the agent; resolves with the body. */
  function fetchVia(agent: ReturnType<typeof forwardingAgent>, path: string): Promise<string> {
    return new Promise((resolve, reject) => {
      get({ host: 'docker', path, agent }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve(body));
      }).on('error', reject);
    });
  }

  it('sends each request over a freshly opened stream', async () => {
    let opened = 0;
    const agent = forwardingAgent(async () => {
      opened++;
      return connect(socketPath);
    });
    await expect(fetchVia(agent, '/_ping')).resolves.toBe('GET /_ping');
    await expect(fetchVia(agent, '/version')).resolves.toBe('GET /version');
    expect(opened).toBe(2);
    agent.destroy();
  });

  it('reports a failure to open the stream as a request error', async () => {
    const agent = forwardingAgent(async () => {
      throw new Error('cannot open unix socket');
    });
    await expect(fetchVia(agent, '/_ping')).rejects.toThrow('cannot open unix socket');
  });
});
