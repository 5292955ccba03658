/**
 * A `pulumi up` killed mid-migration converges on the next run. The relocate example goes up on cluster-a;
 * its placement changes to cluster-b; the `pulumi up` that moves it (the CLI, its language host and the
 * provider: one process group) is SIGKILLed once the journal says the source is frozen. At that moment no
 * copy runs. After `pulumi cancel` (the killed CLI left its lock on the file backend, which Pulumi asks the user
 * to remove that way), the next `pulumi up` recovers first (the provider finishes or rolls back the unfinished
 * migration itself) and then moves the container: one copy on cluster-b with its counter intact, the state
 * says cluster-b, and nothing of either migration is left on the hosts.
 */
import { LocalWorkspace } from '@pulumi/pulumi/automation';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { JOURNAL_DIR_ENV, parseJournal, type Journal } from '../../provider/engine/journal/journal';
import { connectHost } from '../../provider/hosts/connect';
import { RESOURCE_LABEL } from '../../provider/pulumi/outputs';
import type { Testbed } from '../../testbed';
import { leftovers } from '../engine/support';
import { counterBreaks, parseDirtierLog } from '../support/dirtier-log';
import { ensureTestbed, hostOf } from '../support/testbed-fixture';
import { containersInState, createTestProject, pulumiEnv, type TestProject } from './support/pulumi-project';

jest.setTimeout(15 * 60_000);

const PROJECT = 'ferry-relocate';
let bed: Testbed;
let project: TestProject | undefined;
const name = `pulumi-kill-${randomUUID().slice(0, 8)}`;

async function copiesOn(cluster: string): Promise<string[]> {
  await using h = await connectHost(hostOf(bed, cluster));
  return (await h.runtime.list({ labels: { [RESOURCE_LABEL]: name } })).map((c) => c.state);
}

async function ticksOn(cluster: string): Promise<ReturnType<typeof parseDirtierLog>> {
  await using h = await connectHost(hostOf(bed, cluster));
  return parseDirtierLog(await h.runtime.logs(name));
}

/** `pid` and all its descendants (from /proc), children after their parents. */
function processTree(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      // the fields after the command (which may hold spaces) start after the last ')'
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(e), ppid);
    } catch {
      // gone meanwhile
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++)
    for (const [p, pp] of parentOf) if (pp === tree[i] && !tree.includes(p)) tree.push(p);
  return tree;
}

/** The journals in `dir` (parsed by the schema; unreadable files fail the test). */
function journals(dir: string): Journal[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => {
      const p = parseJournal(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')), f);
      if (!p.ok) throw p.error;
      return p.journal;
    });
}

beforeAll(async () => {
  bed = await ensureTestbed();
});

afterAll(async () => {
  await project?.stack.destroy().catch(() => undefined);
  project?.remove();
  for (const cluster of ['cluster-a', 'cluster-b']) {
    await using h = await connectHost(hostOf(bed, cluster));
    for (const c of await h.runtime.list({ labels: { [RESOURCE_LABEL]: name } }))
      await h.runtime.remove(c.id, { force: true });
  }
});

it('pulumi up SIGKILLed with the source frozen; the next pulumi up converges to one copy on B', async () => {
  project = await createTestProject(PROJECT, 'examples/relocate/index.ts', bed.clusters, {
    containerName: name,
    cluster: 'cluster-a',
    mib: '64',
  });
  const { stack, dir } = project;
  const journalDir = path.join(dir, 'journal');
  const ws = stack.workspace;
  if (!(ws instanceof LocalWorkspace)) throw new Error('expected a LocalWorkspace');
  ws.envVars[JOURNAL_DIR_ENV] = journalDir;
  await stack.up({ onOutput: (o) => process.stdout.write(o) });
  await new Promise((r) => setTimeout(r, 3000));
  const beforeKill = (await ticksOn('cluster-a')).ticks;
  const lastOnA = beforeKill[beforeKill.length - 1]!.tick;

  await stack.setConfig(`${PROJECT}:cluster`, { value: 'cluster-b' });
  // the CLI itself, so that the test can kill it and everything it started
  const child = spawn('pulumi', ['up', '--yes', '--skip-preview', '--non-interactive', '--stack', 'e2e'], {
    cwd: dir,
    env: { ...process.env, ...pulumiEnv(path.join(dir, 'state')), [JOURNAL_DIR_ENV]: journalDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  let exited: number | null | undefined;
  const gone = new Promise<void>((resolve) =>
    child.on('exit', (code) => {
      exited = code;
      resolve();
    }),
  );
  let frozen: Journal | undefined;
  for (const until = Date.now() + 240_000; Date.now() < until && frozen === undefined;) {
    if (exited !== undefined)
      throw new Error(`pulumi up ended (code ${exited}) before the source froze:\n${output}`);
    frozen = journals(journalDir).find((j) => j.state === 'frozen');
    if (frozen === undefined) await new Promise((r) => setTimeout(r, 20));
  }
  if (frozen === undefined) throw new Error(`no journal reached frozen in 240 s:\n${output}`);
  // the whole `pulumi up` dies at once: the CLI, its language host and the provider (Pulumi starts
  // plugins in process groups of their own, so the tree is walked, not the group)
  const tree = processTree(child.pid!);
  for (const p of tree) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await gone;
  expect(tree.length).toBeGreaterThan(2);
  process.stdout.write(
    `--- killed pulumi up at journal state frozen (${frozen.migrationId}); its output:\n${output}\n`,
  );
  // no copy runs: the source is stopped by the final checkpoint, the target is created, not started. The
  // engine notices a runc checkpoint's exit late (up to a few hundred ms): it is given 10 s to say so
  let states: string[] = [];
  for (const until = Date.now() + 10_000; Date.now() < until;) {
    states = [...(await copiesOn('cluster-a')), ...(await copiesOn('cluster-b'))];
    if (!states.includes('running')) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(states).not.toContain('running');

  // the killed CLI left its lock on the file backend; Pulumi's own answer to that is `pulumi cancel`
  await stack.cancel();
  let transcript = '';
  const up = await stack.up({
    onOutput: (o) => {
      transcript += o;
      process.stdout.write(o);
    },
  });
  expect(up.summary.result).toBe('succeeded');
  expect(transcript).toContain(`recovered migration ${frozen.migrationId}`);
  expect(up.outputs.runsOn?.value).toBe('cluster-b/host-1');
  expect(await copiesOn('cluster-a')).toEqual([]);
  expect(await copiesOn('cluster-b')).toEqual(['running']);
  const [seen] = await containersInState(stack);
  expect(seen!.outputs.cluster).toBe('cluster-b');

  // the counter goes on from where it was on A: one life, nothing lost
  await new Promise((r) => setTimeout(r, 2000));
  const onB = await ticksOn('cluster-b');
  expect(onB.ticks[0]!.tick).toBeGreaterThan(lastOnA);
  expect(counterBreaks(onB.ticks)).toEqual([]);
  expect(onB.verifies.every((ok) => ok)).toBe(true);

  // both journals ended, and neither migration left anything on the hosts
  const all = journals(journalDir);
  expect(all.find((j) => j.migrationId === frozen.migrationId)?.state).toBe('rolled-back');
  expect(all.map((j) => j.state).sort()).toEqual(['done', 'rolled-back']);
  for (const j of all)
    for (const cluster of ['cluster-a', 'cluster-b']) {
      await using h = await connectHost(hostOf(bed, cluster));
      expect(await leftovers(h, j.migrationId)).toBe('');
    }
});
