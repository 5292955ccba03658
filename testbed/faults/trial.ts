/**
 * One trial (I/O orchestration): a fresh dirtier on the source, `ferry migrate` as a child with its own HOME,
 * one fault, the sampler throughout; then everything brought back, `ferry migrate --recover`, and every
 * invariant checked. The bed is checked and repaired before, and the trial's traces removed after, so that
 * one trial cannot poison the next.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repairBed, removeTrialContainers, type BedView, type LinkWish } from './bed';
import { leftoverViolations, outcomeOf } from './checks';
import { mountDisk, mountedDisks, unmountDisk, type DiskFault } from './disk-fault';
import { containerLog, runContainer } from './docker-api';
import { FERRY_BIN, journalDirOf, spawnFerry, type ChildExit, type FerryChild } from './ferry-child';
import { exitText, lastLine, recoverTrial } from './trial-recovery';
import { attribute, itemLabel, newItems } from './footprint';
import { foreignBedUsers } from './bed-users';
import { removeItems, scanFootprint } from './footprint-scan';
import { armFault, type Injected } from './injectors';
import { watchJournals, type JournalWatch } from './journal-watch';
import { lastTick, parseDirtierLog } from './log-lines';
import type { TrialPlan } from './plan';
import { copyViolations, liveCopies, maxLive } from './samples';
import { startSampler } from './sampler';
import { parseWith, reportSchema, type SeenReport } from './schemas';
import { preparePulumiTrial, type PulumiTrial } from './pulumi-controller';
import type { TrialResult } from './summary';
import { finalChecks } from './trial-checks';
import type { Violation } from './violations';

/** Campaign-wide settings of a trial. */
export interface TrialSettings {
  /** The dirtier's memory, MiB. */
  readonly mib: number;
  /** Link settings to keep. */
  readonly link: LinkWish;
  /** Where the trial's files go (`<out>/trial-<k>/`). */
  readonly outDir: string;
  /** Time limit of each `ferry` child, ms. */
  readonly childLimitMs: number;
  /** Progress lines (stderr). */
  readonly say: (line: string) => void;
}

/** Prefix of every container the campaign starts. */
export const CONTAINER_PREFIX = 'faults-';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
async function exitWithin(c: FerryChild, limitMs: number): Promise<{ exit: ChildExit; hung: boolean }> {
  let hung = false;
  const timer = setTimeout(() => {
    hung = true;
    c.kill('SIGKILL');
  }, limitMs);
  const exit = await c.exited;
  clearTimeout(timer);
  return { exit, hung };
}

/** Runs trial `plan`; never throws (a failure of the campaign itself becomes `harnessError`). */
export async function runTrial(plan: TrialPlan, s: TrialSettings): Promise<TrialResult> {
  const t0 = Date.now();
  const dir = path.join(s.outDir, `trial-${plan.index}`);
  const homes = [path.join(dir, 'home-1'), path.join(dir, 'home-2')];
  const journalDir = journalDirOf;
  const notes: string[] = [];
  const violations: Violation[] = [];
  let view: BedView | undefined;
  let disk: DiskFault | undefined;
  let viaPulumi: PulumiTrial | undefined;
  let injected: Injected | undefined;
  let outcome = 'not-run';
  let copiesMax = 0;
  let harnessError: string | undefined;
  const children: FerryChild[] = [];
  const watches: JournalWatch[] = [];
  let sampler: ReturnType<typeof startSampler> | undefined;
  let settle: (() => Promise<string[]>) | undefined;
  let learn: NodeJS.Timeout | undefined;
  const foreign = new Set<string>();
  const lookout = setInterval(() => {
    for (const u of foreignBedUsers()) foreign.add(u);
  }, 2000);
  try {
    fs.mkdirSync(dir, { recursive: true });
    const dist = path.join(FERRY_BIN, '..', '..', 'dist', 'provider', 'cli', 'main.js');
    if (fs.existsSync(dist))
      notes.push(`bin/ferry ran dist/ (built ${fs.statSync(dist).mtime.toISOString()}), not the sources`);
    for (const d of mountedDisks()) notes.push(...(await unmountDisk(d)));
    const repaired = await repairBed(s.link, true, s.say);
    view = repaired.view;
    if (repaired.was.length > 0) notes.push(`bed repaired before the trial: ${repaired.was.join('; ')}`);
    const leftoverContainers = await removeTrialContainers(view, CONTAINER_PREFIX);
    if (leftoverContainers.length > 0)
      notes.push(`removed containers of earlier runs: ${leftoverContainers.join(', ')}`);
    const hostList = Object.values(view.hosts);
    const before = scanFootprint(hostList);
    const src = view.hosts[plan.source];
    const tgt = view.hosts[plan.target];
    if (plan.fault.family === 'disk') {
      try {
        // The controller's disk: a small tmpfs over the first controller's ~/.ferry (its journal dir).
        disk =
          plan.fault.side === 'target'
            ? await mountDisk(tgt.workDir, s.mib * 3 + 160)
            : await mountDisk(path.dirname(journalDir(homes[0]!)), 4);
      } catch (e) {
        notes.push(
          `disk-full not feasible here, trial runs without it: ${(e as Error).message.split('\n')[0]}`,
        );
      }
    }
    if (plan.fault.family === 'controller' && plan.fault.via === 'pulumi')
      viaPulumi = await preparePulumiTrial(
        plan,
        view.bed.clusters,
        s.mib,
        journalDir(homes[0]!),
        path.join(dir, 'pulumi-up-0.log'),
      );
    const originalId =
      viaPulumi?.originalId ??
      (await runContainer(src.socket, {
        name: plan.name,
        image: 'ferry/dirtier:latest',
        cmd: [
          '/bin/dirtier',
          '--mib',
          String(s.mib),
          '--dirty-mib-s',
          String(plan.dirtyMibS),
          '--verify-every',
          '10',
        ],
      }));
    const w1 = watchJournals(journalDir(homes[0]!));
    watches.push(w1);
    const smp = startSampler({ hosts: hostList, name: plan.name, t0, journalState: () => w1.state() });
    sampler = smp;
    smp.know(plan.source, originalId);
    learn = setInterval(() => {
      for (const j of watches.flatMap((w) => w.journals())) {
        smp.know(j.source.cluster, j.sourceContainerId);
        if (j.targetContainerId !== undefined) smp.know(j.target.cluster, j.targetContainerId);
      }
    }, 100);
    await sleep(1500);
    const lastTickBefore =
      lastTick(parseDirtierLog(await containerLog(src.socket, originalId, 50)))?.tick ?? 0;

    const migrateArgs = ['migrate', plan.name, '--from', plan.source, '--to', plan.target];
    const clustersArgs = ['--clusters-file', view.bed.paths.clustersFile];
    const primary =
      viaPulumi !== undefined
        ? await viaPulumi.startMove(path.join(dir, 'pulumi-up-1'))
        : spawnFerry([...migrateArgs, ...clustersArgs, '--json'], homes[0]!, path.join(dir, 'migrate-1'));
    children.push(primary);
    const bedLink = s.link;
    const armed = armFault({
      view,
      plan,
      primary,
      journals: w1,
      t0,
      startSecond: () => {
        children.push(
          spawnFerry([...migrateArgs, ...clustersArgs, '--json'], homes[1]!, path.join(dir, 'migrate-2')),
        );
        watches.push(watchJournals(journalDir(homes[1]!)));
      },
      repair: async () => void (await repairBed(bedLink)),
      ...(disk !== undefined ? { disk } : {}),
      say: s.say,
    });
    settle = () => armed.settle();
    const first = await exitWithin(primary, s.childLimitMs);
    injected = await armed.injected;
    const rest = await Promise.all(children.slice(1).map((c) => exitWithin(c, s.childLimitMs)));
    const windows = [first, ...rest].map(
      (r, k) => [children[k]!.startedAt, children[k]!.startedAt + r.exit.ms] as const,
    );
    for (const [k, r] of [first, ...rest].entries()) {
      const c = children[k]!;
      notes.push(
        `controller ${k + 1}: ${exitText(r.exit)} after ${(r.exit.ms / 1000).toFixed(1)} s${r.exit.code !== 0 ? `: ${lastLine(c.stderr())}` : ''}`,
      );
      if (r.hung)
        violations.push({
          code: 'controller-hung',
          detail: `ferry migrate ${k + 1} still ran after ${s.childLimitMs / 1000} s: killed`,
        });
    }
    settle = undefined;
    notes.push(...(await armed.settle()));
    const after = await repairBed(s.link);
    view = after.view;
    if (after.was.length > 0) notes.push(`brought back after the fault: ${after.was.join('; ')}`);
    if (viaPulumi !== undefined) {
      // the user's way back: the provider of the next `pulumi up` recovers first, then moves the container
      const c = await viaPulumi.converge(path.join(dir, 'pulumi-up-2.log'));
      notes.push(c.note);
      if (c.error !== undefined) violations.push({ code: 'pulumi-not-converged', detail: c.error });
    }

    const journals = await recoverTrial({
      homes: homes.slice(0, children.length),
      clustersFile: view.bed.paths.clustersFile,
      dir,
      limitMs: s.childLimitMs,
      view,
      link: s.link,
      notes,
      violations,
    });
    view = journals.view;
    outcome = outcomeOf(journals.perHome);
    const stoppedAt = injected?.stoppedCluster;
    const atInjection = [...smp.samples()]
      .reverse()
      .find((x) => injected !== undefined && x.atMs <= injected.atMs);
    const lostToFault =
      stoppedAt !== undefined &&
      atInjection !== undefined &&
      liveCopies(atInjection).some((c) => c.cluster === stoppedAt);
    let report: SeenReport | null | undefined;
    if (first.exit.code === 0 && viaPulumi === undefined)
      report = parseWith(reportSchema, primary.stdout()) ?? null;
    const fin = await finalChecks({
      view,
      name: plan.name,
      originalId,
      lastTickBefore,
      sampler: smp,
      t0,
      lostToFault,
      journals: journals.perHome.flat(),
      bad: journals.bad,
      ...(report !== undefined ? { report } : {}),
    });
    if (lostToFault && fin.running === undefined) {
      notes.push(
        `the workload was lost to the fault: ${stoppedAt}'s dockerd stopped while the copy ran there (no live-restore)`,
      );
      outcome = `${outcome}(lost)`;
    }
    clearInterval(learn);
    await smp.stop();
    sampler = undefined;
    violations.unshift(...copyViolations(smp.samples()));
    violations.push(...fin.violations);
    copiesMax = maxLive([...smp.samples(), fin.sample]);
    const fresh = newItems(before, scanFootprint(Object.values(view.hosts)));
    const ids = new Set(journals.perHome.flat().map((j) => j.migrationId));
    const { mine: left, others } = attribute(fresh, { ids, windows, shared: foreign.size > 0 });
    violations.push(...leftoverViolations(left.map(itemLabel)));
    if (others.length > 0)
      notes.push(`new on the hosts but not this trial's (left alone): ${others.map(itemLabel).join('; ')}`);
    const unremoved = await removeItems(left, Object.values(view.hosts));
    if (unremoved.length > 0) notes.push(`could not remove: ${unremoved.join('; ')}`);
    fs.writeFileSync(path.join(dir, 'samples.json'), `${JSON.stringify(smp.samples())}\n`);
  } catch (e) {
    harnessError = (e as Error).stack?.split('\n').slice(0, 3).join(' | ') ?? String(e);
  } finally {
    clearInterval(learn);
    clearInterval(lookout);
    if (foreign.size > 0)
      notes.push(`DISTURBED: the bed was used by others during this trial: ${[...foreign].join('; ')}`);
    for (const c of children) c.kill('SIGKILL');
    for (const w of watches) w.stop();
    await sampler?.stop();
    if (settle !== undefined) notes.push(...(await settle().catch((e: unknown) => [`settle: ${String(e)}`])));
    if (disk !== undefined) notes.push(...(await disk.unmount()));
    viaPulumi?.remove();
    try {
      const v = (await repairBed(s.link)).view;
      await removeTrialContainers(v, plan.name);
    } catch (e) {
      notes.push(`cleanup after the trial failed: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  const result: TrialResult = {
    plan,
    ...(injected !== undefined ? { injected } : {}),
    outcome,
    copiesMax,
    violations,
    notes,
    seconds: (Date.now() - t0) / 1000,
    ...(harnessError !== undefined ? { harnessError } : {}),
  };
  fs.writeFileSync(path.join(dir, 'trial.json'), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}
