/**
 * Helpers of the engine's integration tests on the test bed: bring the bed up (50 ms / 100 Mbit/s between
 * cluster-a and cluster-b), start dirtier containers, read their ticks, and check that exactly one copy runs.
 */
import { connectHost, type ConnectedHost } from '../../provider/hosts/connect';
import { resolveHostRef } from '../../provider/engine/host-ref';
import { memoryJournalStore } from '../../provider/engine/journal/journal';
import {
  systemClock,
  type HostRef,
  type MigrationDeps,
  type ProgressEvent,
} from '../../provider/engine/types';
import { workloadSpec } from '../../testbed/cli/run-command';
import { PrerequisiteMissing } from '../../provider/errors';
import type { Testbed } from '../../testbed';
import { ensureTestbed } from '../support/testbed-fixture';

/** The bed, with cluster-a <-> cluster-b set to 50 ms RTT and 100 Mbit/s. Fails (never skips) without it. */
export async function bedAt50ms(): Promise<Testbed> {
  try {
    return await ensureTestbed({ rtt: '50ms', bandwidth: '100mbit' });
  } catch (e) {
    if (e instanceof PrerequisiteMissing) {
      const where = process.env.CI === 'true' ? 'CI must provide it' : 'install it to run these tests';
      throw new Error(`the test bed cannot be brought up (${where}): ${e.message}`);
    }
    throw e;
  }
}

/** Both hosts of the bed, connected. */
export interface Hosts {
  readonly a: HostRef;
  readonly b: HostRef;
  readonly ha: ConnectedHost;
  readonly hb: ConnectedHost;
}

/** Connects to host-1 of cluster-a and cluster-b. */
export async function connectBoth(bed: Testbed): Promise<Hosts> {
  const a = resolveHostRef(bed.clusters, 'cluster-a');
  const b = resolveHostRef(bed.clusters, 'cluster-b');
  return { a, b, ha: await connectHost(a.host), hb: await connectHost(b.host) };
}

/** Starts a dirtier container named `name` on `host`; returns its id. */
export async function startDirtier(
  host: ConnectedHost,
  name: string,
  args: readonly string[],
): Promise<string> {
  await host.runtime.remove(name, { force: true });
  const id = await host.runtime.create(workloadSpec(name, 'ferry/dirtier:latest', args));
  await host.runtime.start(id);
  return id;
}

/** Tick numbers in the container's log, in order. */
export async function ticks(host: ConnectedHost, name: string): Promise<number[]> {
  const logs = await host.runtime.logs(name, { tail: 5000 });
  return logs
    .split('\n')
    .map((l) => /^tick=(\d+) /.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]));
}

/** Lines of the container's log that start with `prefix`. */
export async function linesOf(host: ConnectedHost, name: string, prefix: string): Promise<string[]> {
  return (await host.runtime.logs(name, { tail: 5000 })).split('\n').filter((l) => l.startsWith(prefix));
}

/** Containers named `name` on a host, with their states. */
export async function copies(host: ConnectedHost, name: string): Promise<string[]> {
  return (await host.runtime.list()).filter((c) => c.name === name).map((c) => c.state);
}

/**
 * What migration `id` left on a host: its work dir, pages kept by reference, and checkpoint dirs of that
 * name (other migrations may run on the shared bed at the same time, so only this one's are looked for).
 */
export async function leftovers(host: ConnectedHost, id: string): Promise<string> {
  const dataRoot = host.config.dockerDataRoot ?? '/var/lib/docker';
  const r = await host.shell.exec(
    [
      'sh',
      '-c',
      'ls -d "$1/ferry-$3" /tmp/ferry-pages-ferry-"$3"-* "$2"/containers/*/checkpoints/ferry-"$3" 2>/dev/null; true',
      'sh',
      host.config.workDir,
      dataRoot,
      id,
    ],
    { timeout: 30 as never },
  );
  return r.stdout.toString().trim();
}

/** The migration id the (in-memory) journal of `deps` recorded. */
export async function migrationIdOf(deps: MigrationDeps): Promise<string> {
  const all = await deps.journal.list();
  if (all.length !== 1) throw new Error(`expected one journal, found ${all.length}`);
  return all[0]!.migrationId;
}

/** Dependencies of `migrate` with an in-memory journal and collected progress events. */
export function testDeps(): MigrationDeps & { readonly events: ProgressEvent[] } {
  const events: ProgressEvent[] = [];
  return {
    connect: (h) => connectHost(h),
    clock: systemClock,
    log: (e) => {
      events.push(e);
      process.stderr.write(`  ${e.phase}: ${e.message}\n`);
    },
    journal: memoryJournalStore(),
    events,
  };
}

/** Sleeps `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
