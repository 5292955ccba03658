/**
 * Recovery of migrations a killed Ferry process left unfinished: for every journal that is not terminal and
 * not owned by a live process, look at both hosts, decide (pure `decideRecovery`), then move the journal to
 * `target-running` (finish) or `rolling-back` and run the SAME machine a live migration runs from there
 * (machine/back.ts). Terminal journals with pending cleanup steps get them retried.
 */
import type { HostConfig } from '../../config/clusters';
import type { ConnectedHost } from '../../hosts/connect';
import { bytes } from '../../units';
import { runCleanupSteps, sourceCheckpointDir } from '../rollback/cleanup-steps';
import { MIGRATION_LABEL } from '../switchover/final-round';
import {
  canTransition,
  currentOwner,
  isTerminal,
  localOwnerProbe,
  recoveryVerdict,
  withOwner,
  type Journal,
  type JournalHost,
  type OwnerProbe,
} from '../journal/journal';
import { BACK_HANDLERS, failedNotes, withPending, type BackContext } from '../machine/back';
import { errorLine } from '../machine/phases';
import { runMachine } from '../machine/run';
import { journalWriter, type JournalWriter } from '../machine/writer';
import {
  decideRecovery,
  type Observed,
  type ObservedContainer,
  type RecoveryAction,
} from './recovery-decision';
import { endStrayCommands } from './stray-commands';
import { SHORT_STEP } from '../timeouts';
import type { MigrationDeps } from '../types';

export {
  decideRecovery,
  type ObservedContainer,
  type Observed,
  type RecoveryAction,
  type RecoveryDecision,
} from './recovery-decision';

/** The result of recovering one migration. */
export interface RecoveryResult {
  /** Migration id (or the file name of a journal that could not be read). */
  readonly migrationId: string;
  /** What was done: a decision, `cleanup` (pending steps retried), or `skip` (unreadable journal). */
  readonly action: RecoveryAction | 'cleanup' | 'skip';
  /** Why, and how it ended. */
  readonly reason: string;
  /** The journal state afterwards. */
  readonly state?: Journal['state'];
}

/** Options of {@link recover}. */
export interface RecoverOptions {
  /** Only the migrations of this container (by name). */
  readonly containerName?: string;
  /**
   * The configuration of a host named in a journal, from the caller's own configuration (clusters file or
   * stack config): journals hold no secrets. `undefined`: the journal's own copy (key paths only).
   */
  readonly resolveHost?: (cluster: string, host: string) => HostConfig | undefined;
  /** Whether a journal's owner is alive (default: this machine's /proc). */
  readonly ownerProbe?: OwnerProbe;
  /** The command a person runs to finish a fenced migration. */
  readonly fenceCommand?: string;
}

async function observe(host: ConnectedHost | undefined, id: string | undefined): Promise<ObservedContainer> {
  if (host === undefined) return 'unreachable';
  if (id === undefined) return 'absent';
  try {
    const info = await host.runtime.inspect(id, { timeout: SHORT_STEP });
    if (info === undefined) return 'absent';
    return info.state === 'running' ? 'running' : 'stopped';
  } catch {
    return 'unreachable';
  }
}

/** What both hosts show of a journal's migration. */
async function observeBoth(
  j: Journal,
  source: ConnectedHost | undefined,
  target: ConnectedHost | undefined,
): Promise<{ observed: Observed; targetId: string | undefined }> {
  let targetId = j.targetContainerId;
  if (targetId === undefined && target !== undefined) {
    const found = await target.runtime
      .list({ labels: { [MIGRATION_LABEL]: j.migrationId } }, { timeout: SHORT_STEP })
      .catch(() => []);
    targetId = found[0]?.id;
  }
  const sourceImages =
    source !== undefined &&
    (
      await source.shell
        .exec(['test', '-f', `${sourceCheckpointDir(j)}/inventory.img`], { timeout: SHORT_STEP })
        .catch(() => ({ exitCode: 1 }))
    ).exitCode === 0;
  return {
    observed: {
      source: await observe(source, j.sourceContainerId),
      target: await observe(target, targetId),
      sourceImages,
    },
    targetId,
  };
}

/** The journal's host, with the caller's configuration (credentials) when it has one. */
function hostConfigOf(h: JournalHost, o: RecoverOptions): HostConfig {
  return o.resolveHost?.(h.cluster, h.host.name) ?? h.host;
}

/** Runs the shared machine from the writer's state, with a recovery's context. */
async function resume(
  w: JournalWriter,
  source: ConnectedHost,
  target: ConnectedHost,
  deps: MigrationDeps,
  fenceCommand: string,
): Promise<{ readonly state: Journal['state']; readonly notes: readonly string[] }> {
  const ctx: BackContext = {
    hosts: { source, target },
    clock: deps.clock,
    say: (phase, message) => deps.log({ phase, message: `recover ${w.current.migrationId}: ${message}` }),
    memory: () => bytes(256 * 1024 * 1024),
    probe: undefined,
    workloadChecks: [],
    fenceCommand,
    found: {},
  };
  const end = await runMachine(
    ctx,
    BACK_HANDLERS,
    w,
    (f, next) =>
      ctx.say(
        f.phase,
        `failed: ${errorLine(f.error)}; ${next.kind === 'rolling-back' ? 'rolling back' : next.kind}`,
      ),
    fenceCommand,
  );
  const f = ctx.found;
  const notes = [
    ...(end.failure !== undefined ? [errorLine(end.failure.error)] : []),
    ...end.laterFailures.map((x) => errorLine(x.error)),
    ...(f.rollback?.notes ?? []),
    ...failedNotes(f.rollback?.failed ?? f.cleanupFailed ?? []),
    ...(end.state === 'fenced' && w.current.fence ? [w.current.fence.reason] : []),
    ...w.writeFailures,
  ];
  return { state: end.state, notes };
}

/** Recovers one unfinished journal (the caller checked it may). */
async function recoverOne(
  j0: Journal,
  deps: MigrationDeps,
  o: RecoverOptions,
  fenceCommand: string,
): Promise<RecoveryResult> {
  const source = await deps.connect(hostConfigOf(j0.source, o)).catch(() => undefined);
  const target = await deps.connect(hostConfigOf(j0.target, o)).catch(() => undefined);
  try {
    // the dead controller's remote commands end first: nothing of it acts while recovery does
    for (const h of [source, target])
      if (h !== undefined) {
        const note = await endStrayCommands(h, j0.migrationId);
        if (note !== undefined)
          deps.log({ phase: 'cleanup', message: `recover ${j0.migrationId}: stray commands: ${note}` });
      }
    const { observed, targetId } = await observeBoth(j0, source, target);
    const d = decideRecovery(j0, observed);
    deps.log({ phase: 'cleanup', message: `recover ${j0.migrationId}: ${d.action} (${d.reason})` });
    const base = { migrationId: j0.migrationId, action: d.action, reason: d.reason };
    if (source === undefined || target === undefined || d.action === 'wait' || d.action === 'nothing')
      return { ...base, state: j0.state };
    // claimed: written with this process as the owner before anything is touched
    const w = await journalWriter(
      withOwner(
        targetId !== undefined && j0.targetContainerId === undefined
          ? { ...j0, targetContainerId: targetId }
          : j0,
        currentOwner(),
        deps.clock.wall(),
      ),
      deps.journal,
      deps.clock,
    );
    if (d.action === 'manual') {
      if (w.current.state !== 'fenced')
        await w.step({
          kind: 'fenced',
          fence: {
            reason: d.reason,
            check: 'which copy holds the state, and remove the other',
            command: fenceCommand,
          },
        });
      return { ...base, state: w.current.state };
    }
    if (d.action === 'finish') {
      if (w.current.state !== 'target-running' && w.current.state !== 'verified') {
        if (!canTransition(w.current.state, 'target-running'))
          return {
            ...base,
            reason: `${d.reason}; but the journal is ${w.current.state}: nothing done`,
            state: w.current.state,
          };
        await w.step({ kind: 'target-running' });
      }
    } else if (w.current.state !== 'rolling-back') {
      await w.step({ kind: 'rolling-back', note: `recover: ${d.reason}` });
    }
    const r = await resume(w, source, target, deps, fenceCommand);
    return { ...base, reason: [d.reason, ...r.notes].join('; '), state: r.state };
  } finally {
    await source?.close();
    await target?.close();
  }
}

/** Retries the pending cleanup steps of a terminal journal. */
async function retryCleanup(j: Journal, deps: MigrationDeps, o: RecoverOptions): Promise<RecoveryResult> {
  const base = { migrationId: j.migrationId, action: 'cleanup' as const, state: j.state };
  const source = await deps.connect(hostConfigOf(j.source, o)).catch(() => undefined);
  const target = await deps.connect(hostConfigOf(j.target, o)).catch(() => undefined);
  try {
    if (source === undefined || target === undefined)
      return { ...base, reason: 'a host is unreachable: the pending cleanup steps stay for the next run' };
    const failed = await runCleanupSteps(j.pendingCleanup ?? [], { source, target });
    await deps.journal.save(withPending(failed)(j));
    return {
      ...base,
      reason:
        failed.length === 0
          ? `${j.pendingCleanup?.length ?? 0} pending cleanup step(s) done`
          : failedNotes(failed).join('; '),
    };
  } finally {
    await source?.close();
    await target?.close();
  }
}

/**
 * Recovers every unfinished migration in `deps.journal` (optionally only one container's), and retries the
 * pending cleanup of finished ones. A journal that cannot be read is reported and skipped; one whose owner
 * is alive (its lease is fresh) is left alone (`wait`).
 */
export async function recover(deps: MigrationDeps, o: RecoverOptions = {}): Promise<RecoveryResult[]> {
  const results: RecoveryResult[] = [];
  const probe = o.ownerProbe ?? localOwnerProbe();
  const fenceCommand = o.fenceCommand ?? 'ferry migrate --recover --clusters-file <your clusters file>';
  const { journals, bad } = await deps.journal.scan();
  for (const b of bad) results.push({ migrationId: b.file, action: 'skip', reason: b.error });
  for (const j of journals) {
    if (o.containerName !== undefined && j.containerName !== o.containerName) continue;
    if (isTerminal(j.state)) {
      if ((j.pendingCleanup ?? []).length > 0) results.push(await retryCleanup(j, deps, o));
      continue;
    }
    const verdict = recoveryVerdict(j, deps.clock.wall(), probe);
    if (!verdict.may) {
      results.push({ migrationId: j.migrationId, action: 'wait', reason: verdict.reason, state: j.state });
      continue;
    }
    results.push(await recoverOne(j, deps, o, fenceCommand));
  }
  return results;
}
