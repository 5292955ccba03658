/**
 * The provider's only coupling to the migration engine (`provider/engine`): turns a placement change into a
 * `migrate()` call, its progress events into lines on the provider's stdout (the Pulumi CLI shows them while
 * `pulumi up` runs), its report into the `lastMigration` output, and its errors into "where does the
 * container run now".
 */
import type { ClustersFile, HostConfig } from '../config/clusters';
import { HostUnreachable, MigrationError } from '../errors';
import type { ConnectedHost } from '../hosts/connect';
import {
  bytes,
  bytesPerSecond,
  formatBytes,
  formatDuration,
  parseDuration,
  seconds,
  type Duration,
} from '../units';
import type { MigrationSummary } from './outputs';
import type { MigrationPolicyInput } from './schema';

/** A host by cluster and name, with its config. */
export interface HostTarget {
  /** Cluster name. */
  readonly cluster: string;
  /** The host's config. */
  readonly host: HostConfig;
}

/** What to move, where, under which policy. */
export interface MoveRequest {
  /** Container name on the source engine. */
  readonly container: string;
  /** Where it runs now. */
  readonly source: HostTarget;
  /** Where it should run. */
  readonly target: HostTarget;
  /** The resource's migration policy. */
  readonly policy: MigrationPolicyInput | undefined;
  /** Health probe argv run on the target host after the restore. */
  readonly probe: readonly string[] | undefined;
  /** Cutover hook argv run on this machine (see `MigrationRequest.cutover`). */
  readonly cutover?: readonly string[];
  /** Receives one line per progress event. */
  readonly say: (line: string) => void;
  /** Connects to a host (default: `connectHost`). */
  readonly connect?: (host: HostConfig) => Promise<ConnectedHost>;
}

/** A finished migration. */
export interface MoveResult {
  /** Docker id of the container on the target. */
  readonly containerId: string;
  /** The report as the `lastMigration` output. */
  readonly summary: MigrationSummary;
  /** The engine's report rendered as Markdown (printed after the migration). */
  readonly markdown: string;
}

/** Seconds rounded to the millisecond, for outputs people read. */
const sec = (d: number): number => Math.round(d * 1000) / 1000;

/** Default overall time limit of a migration when the policy has none. */
export const DEFAULT_MIGRATION_TIMEOUT: Duration = seconds(30 * 60);

/** Resolves `cluster[/host]` against the topology. @throws InvalidInput naming what exists. */
export async function resolveHost(
  clusters: ClustersFile,
  cluster: string,
  host: string | undefined,
): Promise<HostTarget> {
  const { resolveHostRef } = await import('../engine/host-ref');
  const ref = resolveHostRef(clusters, host === undefined ? cluster : `${cluster}/${host}`, 'placement');
  return { cluster: ref.cluster, host: ref.host };
}

/** One progress event as a line: `[12.3 s] precopy round 2: ... | 12.0 MiB at 11.8 MiB/s, ETA 4.1 s, ...`. */
export function progressLine(
  container: string,
  e: {
    readonly phase: string;
    readonly message: string;
    readonly round?: number;
    readonly bytes?: number;
    readonly rate?: number;
    readonly eta?: number;
    readonly predictedDowntime?: number;
    readonly elapsed?: number;
  },
): string {
  const extras: string[] = [];
  if (e.round !== undefined) extras.push(`round ${e.round}`);
  if (e.bytes !== undefined) extras.push(formatBytes(bytes(e.bytes)));
  if (e.rate !== undefined) extras.push(`${formatBytes(bytes(e.rate))}/s`);
  if (e.eta !== undefined) extras.push(`ETA ${formatDuration(seconds(e.eta))}`);
  if (e.predictedDowntime !== undefined)
    extras.push(`predicted downtime ${formatDuration(seconds(e.predictedDowntime))}`);
  const t = e.elapsed !== undefined ? `[${e.elapsed.toFixed(1)} s] ` : '';
  return `ferry ${container}: ${t}${e.phase}: ${e.message}${extras.length ? ` (${extras.join(', ')})` : ''}`;
}

/**
 * Migrates the container with the engine. Strategy `auto` lets the planner choose.
 * @throws the engine's `MigrationError` (with `runningOn`) or `HostUnreachable`.
 */
export async function moveContainer(req: MoveRequest): Promise<MoveResult> {
  const [{ migrate }, { fileJournalStore }, { reportToMarkdown }, { systemClock }, { connectHost }] =
    await Promise.all([
      import('../engine/migrate'),
      import('../engine/journal/journal'),
      import('../engine/report'),
      import('../engine/types'),
      import('../hosts/connect'),
    ]);
  const p = req.policy ?? {};
  const strategy = p.strategy === 'pre-copy' || p.strategy === 'stop-and-copy' ? p.strategy : 'auto';
  const report = await migrate(
    {
      container: req.container,
      source: req.source,
      target: req.target,
      strategy,
      policy: {
        ...(p.targetDowntime !== undefined
          ? { targetDowntime: parseDuration(p.targetDowntime, 'migration.targetDowntime') }
          : {}),
        ...(p.maxRounds !== undefined ? { maxRounds: p.maxRounds } : {}),
        ...(p.postCopyAllowed !== undefined ? { postCopyAllowed: p.postCopyAllowed } : {}),
        ...(p.extraDowntimeAcceptable !== undefined
          ? { extraDowntimeAcceptable: p.extraDowntimeAcceptable }
          : {}),
      },
      deadline:
        p.timeout !== undefined ? parseDuration(p.timeout, 'migration.timeout') : DEFAULT_MIGRATION_TIMEOUT,
      ...(req.probe !== undefined ? { probe: req.probe } : {}),
      ...(req.cutover !== undefined ? { cutover: req.cutover } : {}),
      ...(p.calibrationProfile !== undefined ? { calibration: p.calibrationProfile } : {}),
    },
    {
      connect: req.connect ?? ((h) => connectHost(h)),
      clock: systemClock,
      log: (e) => req.say(progressLine(req.container, e)),
      journal: fileJournalStore(),
    },
  );
  const plan = report.plan;
  // the provider never sets a fixed stop rule, so the engine always planned
  if (plan === undefined) throw new Error(`internal: migration ${report.migrationId} reported no plan`);
  const summary: MigrationSummary = {
    migrationId: report.migrationId,
    from: report.from,
    to: report.to,
    predicted: {
      strategy: plan.strategy,
      downtimeSeconds: sec(plan.downtime),
      totalTimeSeconds: sec(plan.totalTime),
      bytes: Math.round(plan.bytesOnWire),
      rounds: plan.rounds.length,
    },
    measured: {
      strategy: report.strategy,
      downtimeSeconds: sec(report.downtime),
      ...(report.workloadGap !== undefined ? { workloadGapSeconds: sec(report.workloadGap) } : {}),
      totalTimeSeconds: sec(report.totalTime),
      bytes: Math.round(report.bytesOnWire),
      rounds: report.rounds.filter((r) => r.kind === 'precopy').length,
    },
    rttSeconds: Math.round(report.rtt * 1e6) / 1e6,
    bandwidthBytesPerSecond: Math.round(report.bandwidth),
    memoryBytes: Math.round(report.memory),
    dirtyRateBytesPerSecond: Math.round(report.dirtyRate),
    stopReason: report.stopReason,
    dataPath: report.dataPath.kind,
    finishedAt: new Date().toISOString(),
  };
  return { containerId: report.targetContainerId, summary, markdown: reportToMarkdown(report) };
}

/**
 * Where the container runs after a failed migration, as `cluster/host`: the error's `runningOn`; the
 * source for a host that could not be reached (nothing was touched); `undefined` when unknown.
 */
export function runningOnAfter(e: unknown, source: HostTarget): string | undefined {
  if (e instanceof MigrationError) return e.runningOn;
  if (e instanceof HostUnreachable) return `${source.cluster}/${source.host.name}`;
  return undefined;
}

/** What `ferry plan` knows about one move, before anything is measured on the container. */
export interface PlanningFacts {
  /** Memory of the container, bytes. */
  readonly memory: number;
  /** Dirty rate, bytes per second. */
  readonly dirtyRate: number;
  /** Link RTT, seconds. */
  readonly rtt: number;
  /** Link bandwidth, bytes per second. */
  readonly bandwidth: number;
  /** The resource's migration policy. */
  readonly policy: MigrationPolicyInput | undefined;
}

/**
 * The planner's inputs for a move, with the costs of the policy's calibration profile (default: the default
 * profile, the engine's `ENGINE_COSTS`) and the engine's default policy.
 */
export async function planningInputs(f: PlanningFacts): Promise<import('../model').ModelInputs> {
  const { ENGINE_COSTS, ENGINE_POLICY } = await import('../engine/measure/plan-inputs');
  const p = f.policy ?? {};
  const [{ loadCalibrationProfile }, { profileCosts }] = await Promise.all([
    import('../calibration/load'),
    import('../calibration/profile'),
  ]);
  const costs =
    p.calibrationProfile === undefined
      ? ENGINE_COSTS
      : { ...ENGINE_COSTS, ...profileCosts(await loadCalibrationProfile(p.calibrationProfile)) };
  return {
    container: {
      memory: bytes(f.memory),
      dirtyRate: bytesPerSecond(f.dirtyRate),
      rootfsDiff: bytes(0),
      processes: 1,
    },
    link: { rtt: seconds(f.rtt), bandwidth: bytesPerSecond(f.bandwidth), costs },
    policy: {
      ...ENGINE_POLICY,
      ...(p.targetDowntime !== undefined
        ? { targetDowntime: parseDuration(p.targetDowntime, 'migration.targetDowntime') }
        : {}),
      ...(p.timeout !== undefined ? { timeBudget: parseDuration(p.timeout, 'migration.timeout') } : {}),
      ...(p.maxRounds !== undefined ? { maxRounds: p.maxRounds } : {}),
      ...(p.postCopyAllowed !== undefined ? { postCopyAllowed: p.postCopyAllowed } : {}),
      ...(p.extraDowntimeAcceptable !== undefined
        ? { extraDowntimeAcceptable: p.extraDowntimeAcceptable }
        : {}),
    },
  };
}
