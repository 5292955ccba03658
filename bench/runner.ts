/**
 * Runs the benchmark on the test bed: for every planned run (in the interleaved order of `runOrder`), sets
 * the link, starts a fresh uniquely named workload container on cluster-a, lets the strategy move it to
 * cluster-b, reads the workload's own ticks from both logs, and removes both containers. Every run is
 * recorded, failed or not; the results file is rewritten after each run so an interrupted bench keeps them.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { resolveHostRef } from '../provider/engine/host-ref';
import type { HostRef } from '../provider/engine/types';
import { HostUnreachable, MigrationAborted, TimedOut } from '../provider/errors';
import { connectHost, type ConnectedHost } from '../provider/hosts/connect';
import type { ContainerSpec } from '../provider/hosts/container-runtime';
import { loadTestbed, setLink, type Testbed } from '../testbed';
import { dirtierCheck } from '../testbed/workloads/dirtier-check';
import { mbit, millis } from '../provider/units';
import { interference } from './interference';
import { cellKey, dirtyMiBs, linkKey, runOrder, type Profile } from './matrix';
import { nowS, RelayedPath, type StrategyRun } from './strategies/types';
import { INTERFERENCE, type LinkSpec, type PlannedRun, type RunRecord, type StrategyName } from './types';
import { dirtierSpec, workloadView, type WorkloadView } from './workloads/dirtier';
import { redisSpec } from './workloads/redis';

/** The link every other user of the bed expects: restored when the bench ends. */
export const DEFAULT_LINK: LinkSpec = { rttMs: 50, mbit: 100 };

/** Seconds a workload runs on the source before the move (ticks to compare against). */
export const SETTLE_S = 1.5;

/** Seconds the target runs after the move before its log is read. */
export const AFTER_S = 1;

/** Options of {@link runBench}. */
export interface BenchOptions {
  /** The strategies by name. */
  readonly strategies: Readonly<Record<StrategyName, StrategyRun>>;
  /** Called after each run with everything so far (to write the results file). */
  readonly onRun: (runs: readonly RunRecord[]) => void;
  /** Progress lines. */
  readonly log: (line: string) => void;
  /** Test bed state dir (default: the bed's default). */
  readonly stateDir?: string;
  /** Checked before each run: `true` stops the bench there (the runs so far are kept). */
  readonly shouldStop?: () => boolean;
  /** Smallest repetition count accepted (3 unless a smoke test lowers it). */
  readonly minReps?: number;
}

const readText = (file: string): string => {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
};

const sleep = (s: number): Promise<void> => new Promise((r) => setTimeout(r, s * 1000));

/** A failure class for counting: the engine's lost-checkpoint failure, aborts, time-outs, other. */
export function failureClass(e: unknown): string {
  const msg = describeError(e);
  if (/content sha256:\S* already exists|already exists/.test(msg)) return 'checkpoint-content-exists';
  if (e instanceof MigrationAborted) return 'aborted';
  if (e instanceof RelayedPath) return 'relayed-not-across-link';
  if (e instanceof HostUnreachable || /unreachable: SSH connection lost/.test(msg))
    return 'ssh-connection-lost';
  if (e instanceof TimedOut || /did not finish within/.test(msg)) return 'timeout';
  return 'other';
}

/** An error and its causes, first lines only, joined with ` <- `. */
export function describeError(e: unknown): string {
  const parts: string[] = [];
  for (let c: unknown = e; c !== undefined && parts.length < 4; c = c instanceof Error ? c.cause : undefined)
    parts.push(
      c instanceof Error
        ? c.message.split('\n').slice(0, 2).join(' | ')
        : typeof c === 'string'
          ? c
          : JSON.stringify(c),
    );
  return parts.join(' <- ');
}

/** The container spec of a planned run. */
export function specOf(name: string, r: PlannedRun): ContainerSpec {
  const w = r.cell.workload;
  return w.kind === 'dirtier' ? dirtierSpec(name, w, r.cell.link) : redisSpec(name, w);
}

async function waitForTicks(host: ConnectedHost, id: string, limitS: number): Promise<void> {
  const t0 = nowS();
  while (nowS() - t0 < limitS) {
    const logs = await host.runtime.logs(id, { tail: 5 });
    if (/^tick=/m.test(logs)) return;
    await sleep(0.25);
  }
}

async function removeQuietly(host: ConnectedHost, name: string): Promise<void> {
  await host.runtime.remove(name, { force: true }).catch(() => undefined);
}

/** Both hosts of a run, connected. */
export interface Hosts {
  /** cluster-a/host-1. */
  readonly source: HostRef;
  /** cluster-b/host-1. */
  readonly target: HostRef;
  /** Connected source. */
  readonly src: ConnectedHost;
  /** Connected target. */
  readonly tgt: ConnectedHost;
}

/**
 * One run: start the workload, move it, measure it, clean up, close the connections. Never throws:
 * failures become records.
 */
export async function executeRun(
  r: PlannedRun,
  connect: () => Promise<Hosts>,
  strategy: StrategyRun,
  bed: { readonly sshConfig: string; readonly authorizedKeysFile: string },
  tag: string,
  log: (line: string) => void,
): Promise<RunRecord> {
  const name = `bench-${tag}-${r.seq}-${r.strategy.replace(/[^a-z]/g, '')}`;
  const base = {
    seq: r.seq,
    cellKey: cellKey(r.cell),
    cell: r.cell,
    strategy: r.strategy,
    rep: r.rep,
    container: name,
    startedAt: new Date().toISOString(),
    dirtyMiBs: dirtyMiBs(r.cell.workload, r.cell.link),
  };
  let hosts: Hosts | undefined;
  try {
    hosts = await connect();
    const { src, tgt } = hosts;
    const id = await src.runtime.create(specOf(name, r));
    await src.runtime.start(id);
    await waitForTicks(src, id, 120);
    await sleep(SETTLE_S);
    const out = await strategy({
      container: name,
      source: hosts.source,
      target: hosts.target,
      src,
      tgt,
      link: r.cell.link,
      sshConfig: bed.sshConfig,
      authorizedKeysFile: bed.authorizedKeysFile,
      workloadChecks: r.cell.workload.kind === 'dirtier' ? [dirtierCheck()] : [],
      seq: r.seq,
      log: (l) => log(`    ${l}`),
    });
    await sleep(AFTER_S);
    if (r.cell.workload.kind === 'dirtier') {
      await tgt.runtime.kill(out.targetId, 'SIGUSR1').catch(() => undefined);
      await sleep(Math.max(0.5, r.cell.workload.mib / 256));
    }
    const targetLog = await tgt.runtime.logs(out.targetId, { tail: 1_000_000 });
    // both workloads print the dirtier's `tick=` lines (Redis prints no `verify=` lines)
    const view: WorkloadView = workloadView(out.sourceLog, targetLog);
    const problem =
      view.targetTicks === 0
        ? { error: 'the target never ticked', failure: 'no-target-ticks' }
        : view.sourceTicks === 0
          ? {
              error: 'the source log was not captured: no downtime can be measured',
              failure: 'no-source-ticks',
            }
          : undefined;
    return {
      ...base,
      ok: problem === undefined,
      ...problem,
      downtimeS: view.downtimeS,
      totalS: out.totalS,
      bytesOnWire: out.bytesOnWire,
      rounds: out.rounds,
      counterContinuous: view.counterContinuous,
      verifyOk: view.verifyOk,
      ...(out.toolDowntimeS !== undefined ? { toolDowntimeS: out.toolDowntimeS } : {}),
      ...(out.toolTotalS !== undefined ? { toolTotalS: out.toolTotalS } : {}),
      ...(out.measuredFromPlanS !== undefined ? { measuredFromPlanS: out.measuredFromPlanS } : {}),
      ...(out.stopReason !== undefined ? { stopReason: out.stopReason } : {}),
      ...(out.predicted !== undefined ? { predicted: out.predicted } : {}),
    };
  } catch (e) {
    return { ...base, ok: false, error: describeError(e), failure: failureClass(e) };
  } finally {
    if (hosts !== undefined) {
      await removeQuietly(hosts.src, name);
      await removeQuietly(hosts.tgt, name);
      await hosts.src.close().catch(() => undefined);
      await hosts.tgt.close().catch(() => undefined);
    }
  }
}

/** How often a run disturbed by another user of the bed is repeated at once. */
export const MAX_INTERFERENCE_RETRIES = 4;

/** Sets the cluster-a <-> cluster-b link. */
export async function applyLink(l: LinkSpec, stateDir?: string): Promise<void> {
  await setLink(
    'cluster-a',
    'cluster-b',
    { rtt: millis(l.rttMs), bandwidth: mbit(l.mbit) },
    stateDir ? { stateDir } : {},
  );
}

/** The two hosts as the bed describes them now (it may have been reconfigured meanwhile), newly connected. */
async function connectFresh(stateDir?: string): Promise<Hosts> {
  const now = loadTestbed(stateDir);
  const source = resolveHostRef(now.clusters, 'cluster-a');
  const target = resolveHostRef(now.clusters, 'cluster-b');
  const src = await connectHost(source.host);
  try {
    return { source, target, src, tgt: await connectHost(target.host) };
  } catch (e) {
    await src.close();
    throw e;
  }
}

/** Runs a whole profile; restores the default link at the end, whatever happens. */
export async function runBench(profile: Profile, opts: BenchOptions): Promise<RunRecord[]> {
  const bed: Testbed = loadTestbed(opts.stateDir);
  const tag = randomBytes(2).toString('hex');
  const order = runOrder(profile, opts.minReps ?? 3);
  const runs: RunRecord[] = [];
  let current: string | undefined;
  const report = (rec: RunRecord, t0: number): void =>
    opts.log(
      rec.ok
        ? `  ok: downtime ${rec.downtimeS?.toFixed(2)} s, total ${rec.totalS?.toFixed(1)} s, ${((rec.bytesOnWire ?? 0) / 1048576).toFixed(1)} MiB, rounds ${rec.rounds} (${(nowS() - t0).toFixed(0)} s wall)`
        : `  FAILED (${rec.failure}): ${rec.error}`,
    );
  try {
    for (const r of order) {
      if (opts.shouldStop?.() === true) {
        opts.log('stopping early on request');
        break;
      }
      if (linkKey(r.cell.link) !== current) {
        opts.log(`link ${linkKey(r.cell.link)}`);
        current = linkKey(r.cell.link);
      }
      for (let attempt = 0; ; attempt++) {
        // other users of the bed may have changed the link since the last run: set it before every run
        await applyLink(r.cell.link, opts.stateDir);
        const t0 = nowS();
        const from = new Date();
        opts.log(
          `#${r.seq + 1}/${order.length} ${cellKey(r.cell)} ${r.strategy} rep ${r.rep}${attempt > 0 ? ` (retry ${attempt})` : ''}`,
        );
        const done = await executeRun(
          r,
          () => connectFresh(opts.stateDir),
          opts.strategies[r.strategy],
          { sshConfig: bed.paths.sshConfig, authorizedKeysFile: bed.paths.clientKeyPub },
          tag,
          opts.log,
        );
        const other = interference(readText(bed.paths.relayLog), from, new Date(), r.cell.link);
        const rec: RunRecord = {
          ...done,
          ...(other !== undefined
            ? {
                ok: false,
                failure: INTERFERENCE,
                error: `${other}${done.ok ? '' : ` (run error: ${(done.error ?? '').slice(0, 200)})`}`,
              }
            : {}),
          wallS: Math.round((nowS() - t0) * 10) / 10,
        };
        runs.push(rec);
        report(rec, t0);
        opts.onRun(runs);
        if (rec.failure !== INTERFERENCE || attempt >= MAX_INTERFERENCE_RETRIES) break;
      }
    }
  } finally {
    await applyLink(DEFAULT_LINK, opts.stateDir).catch((e: unknown) =>
      opts.log(`could not restore the link: ${String(e)}`),
    );
  }
  return runs;
}
