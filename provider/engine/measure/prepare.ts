/**
 * Phase 2, measure and plan, and what pre-copy starts from. Two ways:
 * - **planned** (the default): probe the link over the data path, take one or two `--leave-running`
 *   checkpoints to measure M and D, plan with the latency model, and hand the online controller to
 *   pre-copy;
 * - **fixed rule** (`request.stopRule`, the benchmark's baselines): measure nothing and plan nothing, take
 *   round 0 at once and let the rule decide after each round, as CRIU p.haul and LXD do.
 */
import { loadCalibrationProfile } from '../../calibration/load';
import { planHeadline, planMigration, startController, type MigrationPlan } from '../../model';
import { bytes, bytesPerSecond, seconds, type Bytes, type BytesPerSecond, type Duration } from '../../units';
import type { DataPath } from '../data-path/data-path';
import { measureContainer, measureLink, upperDirSize, type LinkMeasurement } from './measure';
import { planInputs } from './plan-inputs';
import type { PreflightResult } from '../preflight/preflight';
import { controllerDecider, ruleDecider, type RoundDecider } from '../precopy/round-deciders';
import { checkpoint, dropRound, sourceRoundDir, type CheckpointResult } from '../precopy/rounds';
import { overallDeadline, SLOW_LINK_RATE } from '../timeouts';
import type { ConnectedHost, MigrationDeps, MigrationRequest, ProgressEvent } from '../types';

/** Least seconds between the two measurement checkpoints (the link probe between them may take longer). */
export const DIRTY_INTERVAL = seconds(1);

/** What the rounds start from. Sizes in bytes, rates in bytes/s, times in seconds. */
export interface Preparation {
  /** M: memory in the images (the preflight estimate until a checkpoint was read). */
  readonly memory: Bytes;
  /** Measured RTT (0 when not measured). */
  readonly rtt: Duration;
  /** The probe's bandwidth, or the fixed rule's starting assumption. */
  readonly bandwidth: BytesPerSecond;
  /** Measured dirty rate (0 when not measured). */
  readonly dirtyRate: BytesPerSecond;
  /** Freezes of the measurement checkpoints. */
  readonly measureFreezes: readonly Duration[];
  /** Bytes the link probes sent. */
  readonly probeBytes: Bytes;
  /** The plan (absent under a fixed stop rule). */
  readonly plan: MigrationPlan | undefined;
  /** Clock reading once the rounds could start. */
  readonly plannedAt: Duration;
  /** The strategy to run. */
  readonly strategy: 'pre-copy' | 'stop-and-copy';
  /** Absolute clock reading of the overall deadline. */
  readonly deadline: Duration;
  /** For pre-copy: the checkpoint sent as the first round and who decides after each round. */
  readonly precopy?: {
    readonly first: CheckpointResult & { readonly index: number };
    readonly decider: RoundDecider;
  };
}

/** Inputs of {@link prepare}. */
export interface PrepareInput {
  /** The request. */
  readonly req: MigrationRequest;
  /** Preflight's findings. */
  readonly pre: PreflightResult;
  /** Connected source. */
  readonly source: ConnectedHost;
  /** The data path. */
  readonly path: DataPath;
  /** Clock reading when the migration started. */
  readonly startedAt: Duration;
  /** Clock and progress log. */
  readonly deps: Pick<MigrationDeps, 'clock' | 'log'>;
  /** `cluster/host` of the source. */
  readonly runningOn: string;
}

/** Measures and plans (or not, under a fixed rule); see the module comment. */
export async function prepare(i: PrepareInput): Promise<Preparation> {
  return i.req.stopRule === undefined ? planned(i) : fixedRule(i);
}

const logAt = (i: PrepareInput, e: Omit<ProgressEvent, 'elapsed'>): void =>
  i.deps.log({ ...e, elapsed: seconds(i.deps.clock.now() - i.startedAt) });

async function fixedRule(i: PrepareInput): Promise<Preparation> {
  const { pre, req, source, deps } = i;
  const rule = req.stopRule!;
  const estimate = bytes(Math.max(pre.containerFacts.memoryEstimate, 64 * 1024 * 1024));
  logAt(i, {
    phase: 'plan',
    message: `fixed stop rule ${rule.name}: nothing measured or planned; pre-copy until the rule stops it`,
  });
  const first = await checkpoint(
    source.shell,
    source.config,
    pre.container.id,
    sourceRoundDir(pre.sourceDir, 0),
    `${pre.sourceDir}/work-0`,
    true,
    estimate,
    deps.clock,
    i.runningOn,
    // with dirty tracking, round 0 is a pre-dump: it starts CRIU's tracking for the next rounds
    { preDump: pre.sourceFacts.dirtyTracking },
  );
  const bandwidth = bytesPerSecond(SLOW_LINK_RATE);
  return {
    memory: estimate,
    rtt: seconds(0),
    bandwidth,
    dirtyRate: bytesPerSecond(0),
    measureFreezes: [],
    probeBytes: bytes(0),
    plan: undefined,
    plannedAt: first.startedAt,
    strategy: 'pre-copy',
    deadline: seconds(i.startedAt + overallDeadline(req.deadline, req.policy?.timeBudget, estimate)),
    precopy: { first: { ...first, index: 0 }, decider: ruleDecider(rule, bandwidth) },
  };
}

async function planned(i: PrepareInput): Promise<Preparation> {
  const { pre, req, source, path, deps } = i;
  const c = pre.container;
  // a profile that cannot be loaded fails here, before the container is checkpointed
  const profile = req.calibration === undefined ? undefined : await loadCalibrationProfile(req.calibration);
  let measured: LinkMeasurement | undefined;
  const cm = await measureContainer({
    source,
    containerId: c.id,
    sourceDir: pre.sourceDir,
    pagedelta: pre.sourcePagedelta,
    dirtyRate: req.strategy !== 'stop-and-copy',
    interval: DIRTY_INTERVAL,
    memoryEstimate: bytes(Math.max(pre.containerFacts.memoryEstimate, 64 * 1024 * 1024)),
    clock: deps.clock,
    runningOn: i.runningOn,
    startTracking: pre.sourceFacts.dirtyTracking,
    // the link probe runs in the interval between the two checkpoints instead of before them
    between: async () => {
      measured = await measureLink(source, path, pre.sourceDir, deps.clock);
    },
  });
  const link = measured!;
  const probeRate = bytesPerSecond(link.sample.bytes / link.sample.duration);
  const memory = cm.memory;
  const dirtyRate =
    cm.dirty === undefined ? bytesPerSecond(0) : bytesPerSecond(cm.dirty.volume / cm.dirty.interval);
  const inputs = planInputs({
    link,
    container: cm,
    rootfsDiff: await upperDirSize(source, c.graphDriver.data.UpperDir),
    processes: 1,
    policy: req.policy,
    dirtyTracking: pre.sourceFacts.dirtyTracking,
    restoreMode: req.restoreMode ?? 'pages-by-reference',
    ...(profile !== undefined ? { profile } : {}),
  });
  const plan = planMigration(inputs);
  const plannedAt = deps.clock.now();
  const choice = req.strategy ?? 'auto';
  const strategy =
    choice !== 'auto'
      ? choice
      : plan.strategy === 'pre-copy' || plan.strategy === 'hybrid'
        ? 'pre-copy'
        : 'stop-and-copy';
  logAt(i, {
    phase: 'plan',
    message: `RTT ${(link.rtt * 1000).toFixed(1)} ms, probe ${(probeRate * 8e-6).toFixed(1)} Mbit/s, M ${(memory / 1048576).toFixed(1)} MiB, D ${(dirtyRate / 1048576).toFixed(2)} MiB/s; plan: ${planHeadline(plan)}; using ${strategy}`,
    predictedDowntime: plan.downtime,
    eta: plan.totalTime,
  });
  const last = cm.checkpoints.length - 1;
  // pre-copy sends the newest measurement checkpoint as its first round; the rest is not needed
  const keep = strategy === 'pre-copy' ? last : -1;
  for (const k of cm.checkpoints.keys())
    if (k !== keep) await dropRound(source.shell, pre.sourceDir, sourceRoundDir(pre.sourceDir, k));
  return {
    memory,
    rtt: link.rtt,
    bandwidth: probeRate,
    dirtyRate,
    measureFreezes: cm.checkpoints.map((x) => x.freeze),
    probeBytes: link.probeBytes,
    plan,
    plannedAt,
    strategy,
    deadline: seconds(i.startedAt + overallDeadline(req.deadline, plan.inputs.policy.timeBudget, memory)),
    ...(strategy === 'pre-copy'
      ? {
          precopy: {
            first: { ...cm.checkpoints[last]!, index: last },
            decider: controllerDecider(startController(inputs)),
          },
        }
      : {}),
  };
}
