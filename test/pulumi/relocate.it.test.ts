/**
 * End to end with the real Pulumi CLI (Automation API, local file backend) on the test bed: the relocate
 * example goes up on cluster-a, its placement changes, `up` migrates it live (the counter continues), a
 * refresh sees no drift, a container killed by hand shows up in a refresh, destroy cleans both clusters.
 * Then a migration to a cluster whose host cannot be reached fails cleanly: the container still runs on
 * cluster-a and the state says so. The state never holds the private key in plain text.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import type { ClustersFile } from '../../provider/config/clusters';
import { connectHost } from '../../provider/hosts/connect';
import { RESOURCE_LABEL } from '../../provider/pulumi/outputs';
import type { Testbed } from '../../testbed';
import { counterBreaks, parseDirtierLog } from '../support/dirtier-log';
import { ensureTestbed, hostOf } from '../support/testbed-fixture';
import {
  containersInState,
  createTestProject,
  stateFileText,
  type TestProject,
} from './support/pulumi-project';

jest.setTimeout(15 * 60_000);

const PROGRAM = 'examples/relocate/index.ts';
const PROJECT = 'ferry-relocate';

let bed: Testbed;
let privateKey: string;
const projects: TestProject[] = [];
const names: string[] = [];

/** Containers carrying our resource label `name` on a cluster's host. */
async function containersOn(cluster: string, name: string): Promise<{ id: string; state: string }[]> {
  await using h = await connectHost(hostOf(bed, cluster));
  return (await h.runtime.list({ labels: { [RESOURCE_LABEL]: name } })).map((c) => ({
    id: c.id,
    state: c.state,
  }));
}

async function logsOn(cluster: string, name: string): Promise<string> {
  await using h = await connectHost(hostOf(bed, cluster));
  return await h.runtime.logs(name);
}

async function waitForTicks(cluster: string, name: string, atLeast: number): Promise<number> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    // a container that has printed nothing yet can make the logs call fail: retry until the deadline
    const text = await logsOn(cluster, name).catch((e: Error) => {
      process.stderr.write(`logs of ${name} on ${cluster}: ${e.message}\n`);
      if (Date.now() > deadline) throw e;
      return '';
    });
    const ticks = parseDirtierLog(text).ticks;
    if (ticks.length >= atLeast) return ticks[ticks.length - 1]!.tick;
    if (Date.now() > deadline) throw new Error(`${name} printed ${ticks.length} ticks on ${cluster} in 60 s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The state file (as stored, not `export --show-secrets`) holds no line of the private key. */
function expectNoPlaintextKey(exported: string): void {
  expect(exported).toContain('ciphertext');
  expect(exported).not.toContain('PRIVATE KEY');
  const body = privateKey.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----'));
  expect(body.length).toBeGreaterThan(0);
  for (const line of body) expect(exported).not.toContain(line);
}

beforeAll(async () => {
  bed = await ensureTestbed();
  const keyPath = hostOf(bed, 'cluster-a').privateKeyPath;
  if (keyPath === undefined) throw new Error('the test bed has no private key file');
  privateKey = fs.readFileSync(keyPath, 'utf8');
});

afterAll(async () => {
  for (const p of projects) {
    await p.stack.destroy().catch(() => undefined);
    p.remove();
  }
  for (const cluster of ['cluster-a', 'cluster-b']) {
    for (const name of names) {
      await using h = await connectHost(hostOf(bed, cluster));
      for (const c of await h.runtime.list({ labels: { [RESOURCE_LABEL]: name } }))
        await h.runtime.remove(c.id, { force: true });
    }
  }
});

describe('ferry.Container with the Pulumi CLI on the test bed', () => {
  it('up on A, change placement, up migrates live, refresh, kill, refresh, destroy', async () => {
    const name = `pulumi-e2e-${randomUUID().slice(0, 8)}`;
    names.push(name);
    const project = await createTestProject(PROJECT, PROGRAM, bed.clusters, {
      containerName: name,
      cluster: 'cluster-a',
    });
    projects.push(project);
    const { stack } = project;

    const up1 = await stack.up({ onOutput: (o) => process.stdout.write(o) });
    expect(up1.outputs.runsOn?.value).toBe('cluster-a/host-1');
    expect(await containersOn('cluster-a', name)).toEqual([
      { id: up1.outputs.containerId?.value, state: 'running' },
    ]);
    const lastOnA = await waitForTicks('cluster-a', name, 30);

    await stack.setConfig(`${PROJECT}:cluster`, { value: 'cluster-b' });
    let transcript = '';
    const up2 = await stack.up({
      onOutput: (o) => {
        transcript += o;
        process.stdout.write(o);
      },
    });
    expect(up2.summary.result).toBe('succeeded');
    expect(up2.summary.resourceChanges).toEqual(expect.objectContaining({ update: 1 }));
    expect(up2.summary.resourceChanges?.replace).toBeUndefined();
    expect(up2.outputs.runsOn?.value).toBe('cluster-b/host-1');
    expect(transcript).toMatch(/precopy|checkpoint/);
    expect(transcript).toMatch(/predicted downtime/);
    const last = up2.outputs.lastMigration?.value as {
      from: string;
      to: string;
      measured: { downtimeSeconds: number };
    };
    expect(last.from).toBe('cluster-a/host-1');
    expect(last.to).toBe('cluster-b/host-1');
    expect(last.measured.downtimeSeconds).toBeGreaterThan(0);

    // the counter goes on from where it was on A: not restarted, no tick lost or repeated
    await waitForTicks('cluster-b', name, 10);
    const onB = parseDirtierLog(await logsOn('cluster-b', name));
    expect(onB.ticks[0]!.tick).toBeGreaterThan(lastOnA);
    expect(counterBreaks(onB.ticks)).toEqual([]);
    expect(onB.verifies.every((ok) => ok)).toBe(true);
    expect(await containersOn('cluster-a', name)).toEqual([]);
    expect((await containersOn('cluster-b', name)).map((c) => c.state)).toEqual(['running']);
    expectNoPlaintextKey(stateFileText(project));

    // refresh: no drift
    const r1 = await stack.refresh({ onOutput: (o) => process.stdout.write(o) });
    expect(r1.summary.resourceChanges).toEqual({ same: 2 });

    // kill it by hand: refresh reports it
    {
      await using b = await connectHost(hostOf(bed, 'cluster-b'));
      await b.runtime.kill(name, 'SIGKILL');
    }
    const r2 = await stack.refresh({ onOutput: (o) => process.stdout.write(o) });
    expect(r2.summary.resourceChanges).toEqual(expect.objectContaining({ update: 1 }));
    const [seen] = await containersInState(stack);
    expect(seen!.outputs.state).toBe('exited');
    expect(seen!.outputs.cluster).toBe('cluster-b');

    // destroy cleans both clusters
    const d = await stack.destroy({ onOutput: (o) => process.stdout.write(o) });
    expect(d.summary.resourceChanges).toEqual(expect.objectContaining({ delete: 2 }));
    expect(await containersOn('cluster-a', name)).toEqual([]);
    expect(await containersOn('cluster-b', name)).toEqual([]);
  });

  it('a migration to an unreachable cluster fails cleanly: still on A, and the state says A', async () => {
    const name = `pulumi-e2e-${randomUUID().slice(0, 8)}`;
    names.push(name);
    const a = hostOf(bed, 'cluster-a');
    // cluster-x: a copy of cluster-a's host whose SSH address refuses connections
    const clusters: ClustersFile = {
      clusters: [
        ...bed.clusters.clusters,
        { name: 'cluster-x', hosts: [{ ...a, address: '127.0.0.1', port: 9 }] },
      ],
    };
    const project = await createTestProject(PROJECT, PROGRAM, clusters, {
      containerName: name,
      cluster: 'cluster-a',
    });
    projects.push(project);
    const { stack } = project;
    const up1 = await stack.up();
    const idOnA = up1.outputs.containerId?.value as string;
    await waitForTicks('cluster-a', name, 5);

    await stack.setConfig(`${PROJECT}:cluster`, { value: 'cluster-x' });
    let transcript = '';
    await expect(stack.up({ onOutput: (o) => (transcript += o) })).rejects.toThrow(
      /migration of .* to cluster-x\/host-1 failed/,
    );
    expect(transcript).toMatch(/unreachable|refused/i);

    expect(await containersOn('cluster-a', name)).toEqual([{ id: idOnA, state: 'running' }]);
    const [res] = await containersInState(stack);
    expect(res!.outputs.cluster).toBe('cluster-a');
    expect(res!.outputs.state).toBe('running');
    expect(res!.outputs.containerId).toBe(idOnA);
    expectNoPlaintextKey(stateFileText(project));

    // the recorded failure can be refreshed (the provider loads from the stored outputs): still on A
    const r = await stack.refresh();
    expect(r.summary.result).toBe('succeeded');
    expect((await containersInState(stack))[0]!.outputs.cluster).toBe('cluster-a');

    // back to A in the program: Pulumi updates a resource that recorded an error, the container is not touched
    await stack.setConfig(`${PROJECT}:cluster`, { value: 'cluster-a' });
    const back = await stack.up();
    expect(back.summary.resourceChanges?.replace).toBeUndefined();
    expect(back.outputs.containerId?.value).toBe(idOnA);
    expect(await containersOn('cluster-a', name)).toEqual([{ id: idOnA, state: 'running' }]);
    expect((await stack.preview()).changeSummary).toEqual({ same: 2 });
    await stack.destroy();
    expect(await containersOn('cluster-a', name)).toEqual([]);
  });
});
