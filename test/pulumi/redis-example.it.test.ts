/**
 * The Redis example end to end with the real Pulumi CLI on the test bed: `pulumi up` starts Debian's
 * redis-server on cluster-a with port 6379 published and restart policy `always`; its `endpoints` output
 * names cluster-a's host. A client writes while the placement changes to cluster-b and `pulumi up` moves
 * it: the cutover hook of the program writes the new endpoints (the client follows them), the output
 * `endpoints` now names cluster-b's host, the moved copy has the policy back, and no acknowledged write is
 * lost. Destroy removes it.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connectHost } from '../../provider/hosts/connect';
import { RESOURCE_LABEL } from '../../provider/pulumi/outputs';
import type { Testbed } from '../../testbed';
import { startIncrClient, type ServiceAddress } from '../../testbed/clients/incr-client';
import { noAcknowledgedWriteLost, summarizeIncrs } from '../../testbed/clients/incr-log';
import { RespConnection } from '../../testbed/clients/resp';
import { ensureTestbed, hostOf } from '../support/testbed-fixture';
import { createTestProject, type TestProject } from './support/pulumi-project';

jest.setTimeout(15 * 60_000);

let bed: Testbed;
let project: TestProject | undefined;
const name = `redis-e2e-${randomUUID().slice(0, 8)}`;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-redis-e2e-'));
const endpointsFile = path.join(dir, 'endpoints.json');

async function onCluster(cluster: string): Promise<{ state: string; restart: string | undefined }[]> {
  await using h = await connectHost(hostOf(bed, cluster));
  const found = await h.runtime.list({ labels: { [RESOURCE_LABEL]: name } });
  const out = [];
  for (const c of found)
    out.push({ state: c.state, restart: (await h.runtime.inspect(c.id))?.spec.hostConfig?.restartPolicy });
  return out;
}

beforeAll(async () => {
  bed = await ensureTestbed();
});

afterAll(async () => {
  await project?.stack.destroy().catch(() => undefined);
  project?.remove();
  fs.rmSync(dir, { recursive: true, force: true });
});

it('moves Redis with pulumi up: endpoints follow, the cutover hook runs, no acknowledged write lost', async () => {
  project = await createTestProject('ferry-redis', 'examples/redis/index.ts', bed.clusters, {
    containerName: name,
    cluster: 'cluster-a',
    endpointsFile,
  });
  const { stack } = project;
  const up1 = await stack.up({ onOutput: (o) => process.stdout.write(o) });
  const a = hostOf(bed, 'cluster-a').address;
  const b = hostOf(bed, 'cluster-b').address;
  expect(up1.outputs.endpoints?.value).toEqual([{ protocol: 'tcp', host: a, port: 6379 }]);
  expect(await onCluster('cluster-a')).toEqual([{ state: 'running', restart: 'always' }]);

  let current: ServiceAddress = { host: a, port: 6379 };
  const client = startIncrClient(
    () => {
      try {
        current = (JSON.parse(fs.readFileSync(endpointsFile, 'utf8')) as { endpoints: ServiceAddress[] })
          .endpoints[0]!;
      } catch {
        // not written yet
      }
      return current;
    },
    'ctr',
    10,
    250,
  );
  await new Promise((r) => setTimeout(r, 1500));
  await stack.setConfig('ferry-redis:cluster', { value: 'cluster-b' });
  const up2 = await stack.up({ onOutput: (o) => process.stdout.write(o) });
  await new Promise((r) => setTimeout(r, 1500));
  const s = summarizeIncrs(await client.stop());

  expect(up2.outputs.endpoints?.value).toEqual([{ protocol: 'tcp', host: b, port: 6379 }]);
  expect(JSON.parse(fs.readFileSync(endpointsFile, 'utf8'))).toMatchObject({
    phase: 'switch',
    to: 'cluster-b/host-1',
    endpoints: [{ protocol: 'tcp', host: b, port: 6379 }],
  });
  expect(await onCluster('cluster-a')).toEqual([]);
  expect(await onCluster('cluster-b')).toEqual([{ state: 'running', restart: 'always' }]);
  const conn = await RespConnection.connect(b, 6379);
  const final = Number(await conn.call(['GET', 'ctr']));
  conn.close();
  expect(s.acknowledged).toBeGreaterThan(100);
  expect(noAcknowledgedWriteLost(s, final)).toBe(true);
  const m = up2.outputs.lastMigration?.value as { measured?: { downtimeSeconds?: number } } | undefined;
  process.stderr.write(
    `redis via pulumi: Ferry downtime ${m?.measured?.downtimeSeconds} s; client gap ${s.longestGapMs} ms, ` +
      `${s.acknowledged} acknowledged, ${s.errors} errors; counter ${final}\n`,
  );
});
