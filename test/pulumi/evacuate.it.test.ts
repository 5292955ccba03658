/**
 * End to end on the test bed: the evacuate example with two containers whose placement is one config value.
 * `ferry plan` lists both moves; one `pulumi up` moves both, taking turns on the cluster-a<->cluster-b link;
 * destroy cleans up. Fails (never skips) without the Pulumi CLI or the test bed.
 */
import { randomUUID } from 'node:crypto';
import { planCommand } from '../../provider/cli/plan-command';
import { connectHost } from '../../provider/hosts/connect';
import { RESOURCE_LABEL } from '../../provider/pulumi/outputs';
import type { Testbed } from '../../testbed';
import { ensureTestbed, hostOf } from '../support/testbed-fixture';
import { createTestProject, pulumiEnv, type TestProject } from './support/pulumi-project';
import * as path from 'node:path';

jest.setTimeout(15 * 60_000);

const PROJECT = 'ferry-evacuate';
let bed: Testbed;
let project: TestProject | undefined;
const prefix = `evac-e2e-${randomUUID().slice(0, 6)}`;

async function ours(cluster: string): Promise<string[]> {
  await using h = await connectHost(hostOf(bed, cluster));
  const all = await h.runtime.list({ labels: { 'ferry.example': 'evacuate' } });
  return all
    .filter((c) => c.labels[RESOURCE_LABEL]?.startsWith(prefix))
    .map((c) => `${c.name}:${c.state}`)
    .sort();
}

beforeAll(async () => {
  bed = await ensureTestbed();
});

afterAll(async () => {
  if (project !== undefined) {
    await project.stack.destroy().catch(() => undefined);
    project.remove();
  }
  for (const cluster of ['cluster-a', 'cluster-b']) {
    await using h = await connectHost(hostOf(bed, cluster));
    for (const c of await h.runtime.list({ labels: { 'ferry.example': 'evacuate' } })) {
      if (c.labels[RESOURCE_LABEL]?.startsWith(prefix)) await h.runtime.remove(c.id, { force: true });
    }
  }
});

it('one config value empties cluster-a; migrations over the link take turns; ferry plan lists them', async () => {
  project = await createTestProject(PROJECT, 'examples/evacuate/index.ts', bed.clusters, {
    cluster: 'cluster-a',
    count: '2',
    namePrefix: prefix,
  });
  const { stack } = project;
  await stack.up();
  expect(await ours('cluster-a')).toEqual([`${prefix}-1:running`, `${prefix}-2:running`]);

  await stack.setConfig(`${PROJECT}:cluster`, { value: 'cluster-b' });

  // ferry plan: reads the preview and config of the stack with the same offline environment
  const saved = { ...process.env };
  Object.assign(process.env, pulumiEnv(path.join(project.dir, 'state')));
  const printed: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    printed.push(String(chunk));
    return true;
  });
  let code: number;
  try {
    code = await planCommand(['--stack', 'e2e', '--cwd', project.dir, '--markdown']);
  } finally {
    write.mockRestore();
    process.env = saved;
  }
  expect(code).toBe(0);
  const md = printed.join('');
  process.stdout.write(md);
  expect(md).toMatch(new RegExp(`^\\| ${prefix}-1 \\| cluster-a/host-1 \\| cluster-b/host-1 \\| `, 'm'));
  expect(md).toMatch(new RegExp(`^\\| ${prefix}-2 \\| cluster-a/host-1 \\| cluster-b/host-1 \\| `, 'm'));

  let transcript = '';
  const up = await stack.up({ onOutput: (o) => (transcript += o) });
  expect(up.summary.resourceChanges).toEqual(expect.objectContaining({ update: 2 }));
  expect(up.outputs.placements?.value).toBe(`${prefix}-1=cluster-b/host-1, ${prefix}-2=cluster-b/host-1`);
  expect(transcript).toMatch(/waiting for link cluster-a<->cluster-b \(position 1 in its queue\)/);
  expect(await ours('cluster-a')).toEqual([]);
  expect(await ours('cluster-b')).toEqual([`${prefix}-1:running`, `${prefix}-2:running`]);

  await stack.destroy();
  expect(await ours('cluster-b')).toEqual([]);
});
