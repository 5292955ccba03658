/**
 * Shared types of the migration engine: the request, the injected dependencies (connection, clock,
 * progress log, journal), and the progress events. Durations are in seconds, sizes in bytes.
 */
import type { HostConfig } from '../config/clusters';
import type { MigrationPhase } from '../errors';
import type { ConnectedHost } from '../hosts/connect';
import type { MigrationPolicy, PageStats, StopRule } from '../model';
import type { Bytes, BytesPerSecond, Duration } from '../units';
import type { LocalRunner } from './cutover/cutover';
import type { JournalStore } from './journal/journal';
import type { WorkloadCheck } from './verify/verify';

/** A host named by its cluster and host name, with how to reach it. */
export interface HostRef {
  /** Cluster name, e.g. `cluster-a`. */
  readonly cluster: string;
  /** The host's configuration (its `name` is the host name). */
  readonly host: HostConfig;
}

/** `"<cluster>/<host>"` of a host reference, as used in `runningOn` and in `HostConfig.peers` keys. */
export function hostLabel(ref: HostRef): string {
  return `${ref.cluster}/${ref.host.name}`;
}

/** Which strategy to use: the planner's choice (`auto`) or an imposed one. */
export type StrategyChoice = 'auto' | 'pre-copy' | 'stop-and-copy';

/**
 * Test hooks: called at fixed points so that integration tests can inject failures (cut the link,
 * corrupt an image). Never set them in production.
 */
export interface MigrationHooks {
  /** Before pre-copy round `round` (1-based, counting the rounds sent) is diffed and sent. */
  readonly beforeRound?: (round: number) => Promise<void>;
  /** After the final checkpoint froze the source, before its images are sent. */
  readonly beforeFinalTransfer?: () => Promise<void>;
  /** After the final images were placed on the target, before the engine restores them. */
  readonly beforeRestore?: (ctx: {
    readonly target: ConnectedHost;
    readonly imageDir: string;
  }) => Promise<void>;
}

/** What to migrate, from where to where, under which rules. */
export interface MigrationRequest {
  /** Container name or id on the source engine. */
  readonly container: string;
  /** The host the container runs on now. */
  readonly source: HostRef;
  /** The host to move it to (in another cluster). */
  readonly target: HostRef;
  /** Rules (target downtime, max rounds, time budget); missing fields take the engine's defaults. */
  readonly policy?: MigrationPolicy;
  /** Strategy: `auto` (default) lets the planner choose. */
  readonly strategy?: StrategyChoice;
  /**
   * Pre-copy stopped by this fixed rule over the rounds' page counts (e.g. `PHAUL_RULE`, `LXD_RULE`)
   * instead of the planner and the online controller. Nothing is measured or planned first (the report has
   * no plan) and `strategy` is ignored. Meant for baselines in benchmarks.
   */
  readonly stopRule?: StopRule<PageStats>;
  /**
   * Optional probe run on the target host after the restore, through its shell (the Docker runtime
   * interface has no exec): argv with env `FERRY_CONTAINER_ID` and `FERRY_CONTAINER_PID` set. Exit 0 = ok.
   */
  readonly probe?: readonly string[];
  /**
   * Checks of the workload itself, run on the target after the engine's own verification (e.g. the test
   * bed's dirtier check, which reads its log). A failing check rolls the migration back.
   */
  readonly workloadChecks?: readonly WorkloadCheck[];
  /** Overall deadline of the migration, seconds (default: the policy's time budget, else 30 min). */
  readonly deadline?: Duration;
  /** Migration id (default: generated). Letters, digits and `-` only. */
  readonly migrationId?: string;
  /** Disable the direct host-to-host path and relay through the controlling machine. */
  readonly forceRelay?: boolean;
  /**
   * The file on the target that its sshd reads authorized keys from (default `.ssh/authorized_keys` in the
   * SSH user's home); the per-migration key line is appended there and removed at cleanup.
   */
  readonly authorizedKeysFile?: string;
  /**
   * How the engine restores: `pages-by-reference` (default) keeps the memory pages out of containerd's
   * content-store copy (see restore.ts and docs/engine.md); `engine-copy` hands the whole image dir over.
   */
  readonly restoreMode?: RestoreMode;
  /**
   * The calibration profile the planner takes its costs from: a name (`testbed-2026-11-22`, or one made by
   * `ferry calibrate`) or the path of a profile file. Default: the default profile (provider/calibration).
   */
  readonly calibration?: string;
  /**
   * The cutover hook: a program (argv, no shell) run on this machine with where clients reach the service
   * now as JSON on stdin (`cutover/cutover.ts`, `CutoverEvent`), right after the target runs (before it is
   * verified and before the source is removed); again with the source's endpoints after a rollback. A
   * failure rolls the migration back.
   */
  readonly cutover?: readonly string[];
  /** Test hooks (failure injection). */
  readonly hooks?: MigrationHooks;
}

/** How the target engine is given the images: see {@link MigrationRequest.restoreMode}. */
export type RestoreMode = 'pages-by-reference' | 'engine-copy';

/** A monotonic clock and a sleep, injected so that tests can control time. */
export interface Clock {
  /** Seconds since an arbitrary origin; never goes back. */
  now(): Duration;
  /** Wall-clock time, for journal timestamps. */
  wall(): Date;
  /** Resolves after `d` seconds. */
  sleep(d: Duration): Promise<void>;
}

/** The real clock (`performance.now`, `Date`, `setTimeout`). */
export const systemClock: Clock = {
  now: () => (performance.now() / 1000) as Duration,
  wall: () => new Date(),
  sleep: (d) => new Promise((resolve) => setTimeout(resolve, d * 1000)),
};

/** One progress line of a running migration. */
export interface ProgressEvent {
  /** The phase it belongs to, or `plan` for the plan. */
  readonly phase: MigrationPhase | 'measure' | 'plan';
  /** A line for people. */
  readonly message: string;
  /** Pre-copy round, when about a round. */
  readonly round?: number;
  /** Bytes sent in the step. */
  readonly bytes?: Bytes;
  /** Measured rate of the step, bytes/s. */
  readonly rate?: BytesPerSecond;
  /** Estimated time to the end of the migration, seconds. */
  readonly eta?: Duration;
  /** Downtime a switchover now would cause, predicted, seconds. */
  readonly predictedDowntime?: Duration;
  /** Seconds since the migration started. */
  readonly elapsed?: Duration;
}

/** A connected host, as the engine needs it. */
export type { ConnectedHost } from '../hosts/connect';

/** What the engine is given to do its work. */
export interface MigrationDeps {
  /** Connects to a host (usually `connectHost`). */
  readonly connect: (host: HostConfig) => Promise<ConnectedHost>;
  /** Clock for timeouts, deadline and measurements. */
  readonly clock: Clock;
  /** Receives progress events. */
  readonly log: (event: ProgressEvent) => void;
  /** Where the migration journal is kept. */
  readonly journal: JournalStore;
  /** Runs a local program (the cutover hook); default `runLocal` (hosts/local-command.ts). */
  readonly runLocal?: LocalRunner;
}
