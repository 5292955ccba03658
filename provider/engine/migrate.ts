/**
 * The orchestrator: preflight (nothing touched), then the migration state machine over the journal:
 * `started -> prepared -> copying -> target-created -> frozen -> restoring -> target-running -> verified ->
 * done`, or from any state before `verified`, `rolling-back -> rolled-back | fenced | failed`. Every state
 * change is written to the journal before the next step; the journal's state is the one record of where the
 * migration stands, and a recovery (`recover`) resumes the same machine from it. At no time do two copies
 * run: the source is stopped by the final checkpoint before the target starts, and a rollback starts the
 * source again only when the target copy is known to be gone.
 */
import { randomBytes } from 'node:crypto';
import { MigrationFenced, PreflightFailed, type MigrationPhase } from '../errors';
import { seconds } from '../units';
import { runLocal } from '../hosts/local-command';
import { buildReport } from './build-report';
import { runCutover } from './cutover/cutover';
import { endpointsOf } from './cutover/endpoints';
import { DEFAULT_AUTHORIZED_KEYS } from './data-path/data-path';
import {
  currentOwner,
  isTerminal,
  localOwnerProbe,
  newJournal,
  recoveryVerdict,
  withOwner,
} from './journal/journal';
import { BACK_HANDLERS, failedNotes } from './machine/back';
import { initialMemory, LIVE_HANDLERS, type LiveContext } from './machine/live';
import { errorLine } from './machine/phases';
import { runMachine, type MachineRun } from './machine/run';
import { journalWriter, type JournalWriter } from './machine/writer';
import { phaseError } from './phase-errors';
import { preflight, type PreflightResult } from './preflight/preflight';
import type { MigrationReport } from './report';
import { hostLabel, type MigrationDeps, type MigrationRequest } from './types';

/** How often a running migration renews its journal's lease, milliseconds (the lease lasts 60 s). */
const LEASE_RENEW_MS = 20_000;

/** The command that finishes a fenced migration from the CLI. */
export const RECOVER_COMMAND = 'ferry migrate --recover --clusters-file <your clusters file>';

/**
 * Why `container` (a name or an id) cannot be migrated now: an unfinished journal of it, owned by a live
 * process (a migration running) or not (one to recover first). `undefined` when there is none.
 */
async function unfinishedOf(container: string, deps: MigrationDeps): Promise<string | undefined> {
  const { journals } = await deps.journal.scan();
  const j = journals.find(
    (x) =>
      !isTerminal(x.state) &&
      (x.containerName === container ||
        (container.length >= 12 && x.sourceContainerId.startsWith(container))),
  );
  if (j === undefined) return undefined;
  const v = recoveryVerdict(j, deps.clock.wall(), localOwnerProbe());
  return v.may
    ? `migration ${j.migrationId} of ${j.containerName} is unfinished (journal ${j.state}): run ${RECOVER_COMMAND} first`
    : `migration ${j.migrationId} of ${j.containerName} is running (journal ${j.state}; ${v.reason})`;
}

/** ` [label: a; b]`, or nothing when there is no note. */
function notesText(notes: readonly string[], label = 'notes'): string {
  return notes.length > 0 ? ` [${label}: ${notes.join('; ')}]` : '';
}

/** A new migration id: UTC time and 6 random hex digits, e.g. `20261122-021514-3fa2c1`. */
export function newMigrationId(now: Date): string {
  const t = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${t}-${randomBytes(3).toString('hex')}`;
}

/**
 * Migrates `req.container` from `req.source` to `req.target`.
 * @returns the report (plan beside measurements).
 * @throws a `MigrationError` naming the phase, the cause and where the container runs: PreflightFailed,
 *   MeasureFailed, PrecopyFailed, CheckpointFailed, TransferFailed, RestoreFailed, VerifyFailed,
 *   MigrationAborted (stopped by the policy), or MigrationFenced (the rollback could not confirm the target
 *   copy gone, so nothing runs until someone checks); HostUnreachable when a host cannot be reached before
 *   anything was touched.
 */
export async function migrate(req: MigrationRequest, deps: MigrationDeps): Promise<MigrationReport> {
  const { clock, log } = deps;
  const startedAt = clock.now();
  const elapsed = (): number => clock.now() - startedAt;
  const id = req.migrationId ?? newMigrationId(clock.wall());
  const srcLabel = hostLabel(req.source);
  const tgtLabel = hostLabel(req.target);
  const say = (phase: MigrationPhase | 'plan', message: string): void =>
    log({ phase, message, elapsed: seconds(elapsed()) });

  // one migration of a container at a time (per journal dir): refused before anything is touched
  const busy = await unfinishedOf(req.container, deps);
  if (busy !== undefined)
    throw new PreflightFailed(busy, srcLabel, { hint: 'wait for it, or recover it first' });

  await using source = await deps.connect(req.source.host);
  await using target = await deps.connect(req.target.host);
  say('preflight', `checking ${srcLabel} and ${tgtLabel}`);
  let pre: PreflightResult;
  try {
    pre = await preflight({
      migrationId: id,
      container: req.container,
      source,
      sourceLabel: srcLabel,
      target,
      targetLabel: tgtLabel,
    });
  } catch (e) {
    throw phaseError('preflight', e, srcLabel);
  }
  const c = pre.container;
  const authorizedKeysFile =
    req.authorizedKeysFile ?? req.target.host.authorizedKeysFile ?? DEFAULT_AUTHORIZED_KEYS;
  const w = await journalWriter(
    withOwner(
      newJournal(
        {
          migrationId: id,
          containerName: c.name,
          source: req.source,
          target: req.target,
          sourceContainerId: c.id,
          checkpointName: `ferry-${id}`,
          sourceDir: pre.sourceDir,
          targetDir: pre.targetDir,
          authorizedKeysFile,
          sourcePagedelta: pre.sourcePagedelta,
        },
        clock.wall(),
      ),
      currentOwner(),
      clock.wall(),
    ),
    deps.journal,
    clock,
  );
  const ctx: LiveContext = {
    migrationId: id,
    req,
    pre,
    deps,
    startedAt,
    authorizedKeysFile,
    hosts: { source, target },
    clock,
    say,
    memory: () => ctx.run.memory,
    probe: req.probe,
    workloadChecks: req.workloadChecks ?? [],
    fenceCommand: RECOVER_COMMAND,
    beforeRollback: async () => {
      // an image still on its way (a failure before the final round) ends before the cleanup removes its
      // files; once the source is frozen it has always ended (it is awaited before the target is created)
      await ctx.run.imageTransfer?.catch(() => undefined);
      await ctx.run.path?.close();
    },
    ...(req.cutover !== undefined ? { cutover: cutoverCall(req.cutover, id, c.name, req, pre, deps) } : {}),
    found: {},
    run: { memory: initialMemory(pre) },
  };
  const renew = setInterval(() => void w.renew(), LEASE_RENEW_MS);
  renew.unref();
  let end: MachineRun;
  try {
    end = await runMachine(
      ctx,
      { ...LIVE_HANDLERS, ...BACK_HANDLERS },
      w,
      (f, next) =>
        say(
          f.phase,
          `failed: ${errorLine(f.error)}; ${next.kind === 'rolling-back' ? 'rolling back' : next.kind}`,
        ),
      RECOVER_COMMAND,
    );
  } finally {
    clearInterval(renew);
  }
  if (end.state !== 'done') throw failureOf(end, ctx, w);
  await ctx.run.path?.close();
  const { run, found } = ctx;
  const report = buildReport({
    migrationId: id,
    container: c.name,
    from: srcLabel,
    to: tgtLabel,
    targetId: run.targetId!,
    prep: run.prep!,
    pc: run.pc,
    fin: run.fin!,
    rs: run.rs!,
    vr: found.verify!,
    path: run.path!,
    memory: run.memory,
    restoreMode: req.restoreMode ?? 'pages-by-reference',
    imageSent: !pre.imageOnTarget,
    image: run.image,
    totalTime: seconds(elapsed()),
    endedAt: clock.now(),
    notes: [...(found.cutover ?? []), ...failedNotes(found.cleanupFailed ?? []), ...w.writeFailures],
  });
  say('cleanup', `done in ${report.totalTime.toFixed(1)} s`);
  return report;
}

/**
 * The cutover hook of a live migration: its endpoints are the source container's published ports on the
 * target's address (`switch`) or on the source's (`rollback`).
 */
function cutoverCall(
  argv: readonly string[],
  migrationId: string,
  container: string,
  req: MigrationRequest,
  pre: PreflightResult,
  deps: MigrationDeps,
): (phase: 'switch' | 'rollback') => Promise<void> {
  const ports = pre.container.spec.hostConfig?.ports ?? [];
  const onSource = endpointsOf(req.source.host.address, ports);
  const onTarget = endpointsOf(req.target.host.address, ports);
  return (phase) =>
    runCutover(
      argv,
      {
        version: 1,
        phase,
        migrationId,
        container,
        from: hostLabel(req.source),
        to: hostLabel(req.target),
        endpoints: phase === 'switch' ? onTarget : onSource,
        previous: phase === 'switch' ? onSource : onTarget,
      },
      deps.runLocal ?? runLocal,
    );
}

/** The error of a migration that did not end `done` (from its end state, pure but for reading `ctx`). */
function failureOf(end: MachineRun, ctx: LiveContext, w: JournalWriter): Error {
  const first = end.failure;
  const phase = first?.phase ?? 'cleanup';
  const cause = first?.error ?? new Error(`the migration stopped in state ${end.state}`);
  const srcLabel = hostLabel(ctx.req.source);
  const rb = ctx.found.rollback;
  switch (end.state) {
    case 'fenced': {
      const fence = w.current.fence;
      return new MigrationFenced(
        phase,
        `${errorLine(cause)}; ${fence?.reason ?? 'the target copy is not known to be gone'}${notesText(w.writeFailures)}`,
        fence?.check ?? 'that the target copy is gone',
        fence?.command ?? RECOVER_COMMAND,
        { cause },
      );
    }
    case 'rolled-back':
      return phaseError(
        phase,
        cause,
        srcLabel,
        notesText(
          [
            ...(rb?.notes ?? []),
            ...(ctx.found.cutover ?? []),
            ...failedNotes(rb?.failed ?? []),
            ...w.writeFailures,
          ],
          'rollback notes',
        ),
      );
    default: {
      const later = end.laterFailures.map((f) => errorLine(f.error));
      return phaseError(
        phase,
        cause,
        undefined,
        ` [rollback failed: ${later.join('; ') || `stopped in state ${end.state}`}]${notesText(w.writeFailures)}`,
      );
    }
  }
}
