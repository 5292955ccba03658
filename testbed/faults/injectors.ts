/**
 * Injecting a trial's one fault and undoing it (thin I/O): the link cut or blackholed, the relay killed, a
 * dockerd stopped, the controller killed, an image file overwritten on the target, a second migration of the
 * same container, the target's work dir filled. Each waits for its trigger (a journal state, or a delay after
 * the controller started) and gives up when the controller ends first.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cutLink, restoreLink } from '../link';
import { dockerdPid, relayPid, signalAndWait, waitExit, type BedView } from './bed';
import { fillDisk, type DiskFault } from './disk-fault';
import type { FerryChild } from './ferry-child';
import type { JournalWatch } from './journal-watch';
import type { TrialPlan } from './plan';
import { makeRng } from './prng';
import type { SeenJournal } from './schemas';

/** What the injector needs. */
export interface FaultContext {
  /** The bed. */
  readonly view: BedView;
  /** The trial. */
  readonly plan: TrialPlan;
  /** The first `ferry migrate` child. */
  readonly primary: FerryChild;
  /** Its journal dir. */
  readonly journals: JournalWatch;
  /** `Date.now()` at the start of the trial. */
  readonly t0: number;
  /** Starts the second migration (the `double` fault). */
  readonly startSecond: () => void;
  /** Brings stopped daemons and the relay back. */
  readonly repair: () => Promise<void>;
  /** The mounted work dir of the `disk` fault. */
  readonly disk?: DiskFault;
  /** Progress lines. */
  readonly say: (line: string) => void;
}

/** Where and when the fault struck. */
export interface Injected {
  /** Milliseconds since the start of the trial. */
  readonly atMs: number;
  /** The primary journal's state then. */
  readonly journalState?: string;
  /** What was done, in one line. */
  readonly what: string;
  /** The cluster whose dockerd was stopped (dockerd faults). */
  readonly stoppedCluster?: string;
}

/** A fault armed for a trial. */
export interface ArmedFault {
  /** Resolves with the injection, or `undefined` when the controller ended before the trigger. */
  readonly injected: Promise<Injected | undefined>;
  /** Undoes whatever is still undone (waits for a pending undo); resolves notes. */
  settle(): Promise<string[]>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The image file to overwrite: in the newest round dir on the target, else the target's checkpoint dir. */
function imageFile(j: SeenJournal, dataRoot: string, which: 'pstree' | 'pages'): string | undefined {
  const dirs: string[] = [];
  const rounds = path.join(j.targetDir, 'rounds');
  try {
    const ns = fs.readdirSync(rounds).filter((n) => /^\d+$/.test(n));
    dirs.push(...ns.sort((a, b) => Number(b) - Number(a)).map((n) => path.join(rounds, n)));
  } catch {
    // no rounds yet
  }
  if (j.targetContainerId !== undefined)
    dirs.push(path.join(dataRoot, 'containers', j.targetContainerId, 'checkpoints', j.checkpointName));
  for (const d of dirs) {
    let names: string[];
    try {
      names = fs.readdirSync(d);
    } catch {
      continue;
    }
    const pick =
      which === 'pstree'
        ? names.find((n) => n === 'pstree.img')
        : names.find((n) => /^pages-\d+\.img$/.test(n));
    if (pick !== undefined) return path.join(d, pick);
  }
  return undefined;
}

/** Overwrites part of an image file with random bytes; resolves what was done. */
function corrupt(file: string, which: 'pstree' | 'pages', seed: number): string {
  const rng = makeRng(seed);
  const junk = Buffer.from(Array.from({ length: which === 'pstree' ? 64 : 4096 }, () => rng.int(0, 255)));
  if (which === 'pstree') {
    fs.writeFileSync(file, junk);
    return `replaced ${file} by 64 random bytes`;
  }
  const size = fs.statSync(file).size;
  const pages = Math.max(1, Math.floor(size / 4096));
  const at = rng.int(0, pages - 1) * 4096;
  const fd = fs.openSync(file, 'r+');
  try {
    fs.writeSync(fd, junk, 0, junk.length, at);
  } finally {
    fs.closeSync(fd);
  }
  return `overwrote 4 KiB at offset ${at} of ${file} (${size} bytes) with random bytes`;
}

/** Arms the trial's fault; the returned promise says when (and whether) it struck. */
export function armFault(ctx: FaultContext): ArmedFault {
  const f = ctx.plan.fault;
  const undos: (() => Promise<unknown>)[] = [];
  const pending: Promise<unknown>[] = [];
  const later = (ms: number, undo: () => Promise<unknown>): void => {
    let done = false;
    const once = async (): Promise<void> => {
      if (done) return;
      done = true;
      await undo();
    };
    undos.push(once);
    pending.push(sleep(ms).then(once));
  };
  const src = ctx.plan.source;
  const tgt = ctx.plan.target;
  const inject = async (): Promise<Injected | undefined> => {
    const fired =
      f.trigger.kind === 'state'
        ? ctx.journals.reached(f.trigger.state).then(() => true)
        : sleep(Math.max(0, ctx.primary.startedAt + f.trigger.ms - Date.now())).then(() => true);
    if (!(await Promise.race([fired, ctx.primary.exited.then(() => false)]))) return undefined;
    const atMs = Date.now() - ctx.t0;
    const journalState = ctx.journals.state();
    const at = { atMs, ...(journalState !== undefined ? { journalState } : {}) };
    switch (f.family) {
      case 'link':
        await cutLink(src, tgt, f.mode);
        later(f.restoreAfterMs, () => restoreLink(src, tgt));
        return {
          ...at,
          what: `link ${src}<->${tgt} ${f.mode === 'reset' ? 'cut' : 'blackholed'}, restore after ${f.restoreAfterMs} ms`,
        };
      case 'relay': {
        const pid = relayPid(ctx.view);
        if (pid === undefined) return { ...at, what: 'relay not found: nothing killed' };
        await signalAndWait(pid, 'SIGKILL', 5000);
        later(f.restoreAfterMs, ctx.repair);
        return { ...at, what: `relay ${pid} killed, restarted after ${f.restoreAfterMs} ms` };
      }
      case 'dockerd': {
        const cluster = f.side === 'source' ? src : tgt;
        const pid = dockerdPid(ctx.view, cluster);
        if (pid === undefined) return { ...at, what: `dockerd of ${cluster} not found: nothing stopped` };
        process.kill(pid, f.signal);
        later(f.restoreAfterMs, async () => {
          if (!(await waitExit(pid, 15000))) await signalAndWait(pid, 'SIGKILL', 5000);
          await ctx.repair();
        });
        return {
          ...at,
          stoppedCluster: cluster,
          what: `dockerd ${pid} of ${cluster} sent ${f.signal}, restarted after ${f.restoreAfterMs} ms`,
        };
      }
      case 'controller':
        ctx.primary.kill('SIGKILL');
        return { ...at, what: `controller ${ctx.primary.pid} killed (SIGKILL)` };
      case 'corrupt': {
        // at `copying` the first round may still be arriving (into a partial dir): wait for a whole one
        for (const until = Date.now() + 20000; Date.now() < until && ctx.primary.running(); await sleep(20)) {
          const j = ctx.journals.journals()[0];
          const file = j && imageFile(j, ctx.view.hosts[tgt].dataRoot, f.file);
          if (file !== undefined)
            return { ...at, atMs: Date.now() - ctx.t0, what: corrupt(file, f.file, ctx.plan.seed) };
        }
        return {
          ...at,
          what: `no ${f.file} image appeared on the target while the controller ran: nothing corrupted`,
        };
      }
      case 'double':
        ctx.startSecond();
        return { ...at, what: 'a second ferry migrate of the same container started (its own HOME)' };
      case 'disk': {
        if (ctx.disk === undefined) return { ...at, what: 'no disk mounted: nothing filled' };
        const what = await fillDisk(ctx.disk, f.freeMib);
        undos.push(() => ctx.disk!.unfill());
        return { ...at, what };
      }
    }
  };
  const injected = inject();
  return {
    injected: injected.catch((e: unknown) => {
      ctx.say(`fault injection failed: ${(e as Error).message}`);
      return undefined;
    }),
    async settle() {
      const notes: string[] = [];
      await injected.catch(() => undefined);
      for (const u of undos)
        await u().catch((e: unknown) => notes.push(`undo failed: ${(e as Error).message.split('\n')[0]}`));
      await Promise.allSettled(pending);
      return notes;
    },
  };
}
