/**
 * The inputs of the latency model: what is moved (container), over what (link and its fixed costs), and under
 * which rules (policy). Every quantity carries its unit in its type (`Bytes`, `Duration` in seconds,
 * `BytesPerSecond`). All inputs are plain data, so a plan that embeds them can be stored as JSON and replayed.
 */
import type { Bytes, BytesPerSecond, Duration } from '../units';

/** One measurement of how much memory changed over an interval: `volume` bytes became dirty in `interval`. */
export interface DirtySample {
  /** Bytes whose content changed during the interval (e.g. the page-level delta between two checkpoints). */
  readonly volume: Bytes;
  /** Length of the interval, in seconds (between the two snapshots). Must be above zero. */
  readonly interval: Duration;
}

/** One measured transfer over the link: `bytes` were sent in `duration`. */
export interface TransferSample {
  /** Bytes sent. */
  readonly bytes: Bytes;
  /** Time spent sending them, in seconds. Must be above zero. */
  readonly duration: Duration;
}

/** The container to move. */
export interface ContainerProfile {
  /** M: size of the memory image, in bytes (all pages CRIU would dump). Above zero. */
  readonly memory: Bytes;
  /**
   * D: rate at which the workload changes memory, in bytes per second. Give this, `dirtySamples`, or both
   * (then the samples refine this value with the EWMA of `policy.ewmaWeight`).
   */
  readonly dirtyRate?: BytesPerSecond;
  /** Measured dirty volumes, oldest first; their rates `volume / interval` are combined with an EWMA. */
  readonly dirtySamples?: readonly DirtySample[];
  /**
   * W: the writable working set, in bytes (at most M). The residual of a round can never exceed it:
   * `V_{i+1} = min(W, D * T_i)`. Defaults to M.
   */
  readonly workingSet?: Bytes;
  /**
   * Root filesystem bytes sent while the container is frozen, in bytes: the diff of its writable layer, or
   * what is left of it when the layer was synchronized before the freeze.
   */
  readonly rootfsDiff: Bytes;
  /** Number of processes in the container (a positive integer); scales per-process freeze and restore costs. */
  readonly processes: number;
  /** Memory page size, in bytes (a positive integer). Used to count pages for the baseline stop rules. */
  readonly pageSize?: Bytes;
}

/**
 * How the target restores memory during the switchover:
 * - `full-image`: the target restores the whole memory image M (pages from earlier rounds plus the residual)
 *   while the container is down. This is what `criu restore` of a complete image does, and the default.
 * - `residual`: pages of earlier rounds were already loaded on the target, so only the residual V is
 *   restored while down (a receiver that applies rounds to a live memory image, as QEMU does).
 */
export type RestoreScope = 'full-image' | 'residual';

/**
 * Fixed and size-dependent costs of checkpoint, delta and restore. On a kernel WITHOUT soft-dirty tracking
 * (this machine) every pre-copy round is a full `--leave-running` checkpoint: the container is frozen while
 * all of M is dumped, and the pages to send are found by a page-level content delta over all of M. With
 * tracking, only the dirty pages are dumped and no delta is needed.
 */
export interface CheckpointCosts {
  /** Whether the kernel tracks dirty pages (CONFIG_MEM_SOFT_DIRTY). `false` on this machine. */
  readonly dirtyTracking?: boolean;
  /** Fixed freeze time of one checkpoint (seize, cgroup freeze, metadata), in seconds. */
  readonly freezeBase?: Duration;
  /** Extra freeze time per process, in seconds. */
  readonly freezePerProcess?: Duration;
  /** Rate at which a checkpoint dumps memory while the container is frozen, in bytes per second. Above 0. */
  readonly dumpRate?: BytesPerSecond;
  /**
   * Rate of the page-level content delta (hash and compare) over a full image, in bytes per second; only
   * used without dirty tracking. Above 0.
   */
  readonly deltaRate?: BytesPerSecond;
  /** Fixed restore time on the target (process tree, namespaces, cgroups), in seconds. */
  readonly restoreBase?: Duration;
  /** Extra restore time per process, in seconds. */
  readonly restorePerProcess?: Duration;
  /** Rate at which the target restores memory pages, in bytes per second. Above 0. */
  readonly restoreRate?: BytesPerSecond;
  /** Which memory the switchover restores: see {@link RestoreScope}. */
  readonly restoreScope?: RestoreScope;
  /** Bytes fetched per post-copy page fault (at least one page); each fault waits one RTT. */
  readonly faultSize?: Bytes;
}

/** The link between the source and the target cluster. */
export interface LinkProfile {
  /** Round-trip time, in seconds (not milliseconds: use `millis(50)`). Values above 60 s are rejected. */
  readonly rtt: Duration;
  /** B: nominal or previously estimated bandwidth, in bytes per second (above 0). Seeds the EWMA of samples. */
  readonly bandwidth?: BytesPerSecond;
  /** Measured transfers, oldest first, combined with an EWMA (`policy.ewmaWeight`). */
  readonly bandwidthSamples?: readonly TransferSample[];
  /** A user override, in bytes per second: when set, it replaces the estimate. */
  readonly bandwidthOverride?: BytesPerSecond;
  /**
   * Per-round and switchover costs; missing fields take {@link UNCALIBRATED_COSTS}. The migration engine
   * passes a calibration profile's (provider/calibration).
   */
  readonly costs?: CheckpointCosts;
}

/** The rules a migration must follow. */
export interface MigrationPolicy {
  /** Longest acceptable downtime, in seconds. Default 0.3 s (QEMU's default downtime-limit). Above 0. */
  readonly targetDowntime?: Duration;
  /** Longest acceptable total migration time, in seconds; none when absent or `null`. */
  readonly timeBudget?: Duration | null;
  /** Whether post-copy (lazy pages) may be used. Default `false`: the source must stay up until the end. */
  readonly postCopyAllowed?: boolean;
  /** Whether a downtime above the target is acceptable when nothing meets it. Default `false`. */
  readonly extraDowntimeAcceptable?: boolean;
  /** Hard cap on pre-copy rounds (a non-negative integer). Default 10. */
  readonly maxRounds?: number;
  /** Weight of the newest sample in every EWMA, in (0, 1]. Default 0.5. */
  readonly ewmaWeight?: number;
  /** Controller: rounds without progress after which migration is stalled (a positive integer). Default 3. */
  readonly stallWindow?: number;
  /** Controller: smallest relative drop of the residual that counts as progress, in [0, 1). Default 0.01. */
  readonly minProgress?: number;
  /** Controller: implied downtime above this multiple of the target escalates or aborts (>= 1). Default 1.5. */
  readonly downtimeTolerance?: number;
}

/** Everything the model needs. */
export interface ModelInputs {
  /** What is moved. */
  readonly container: ContainerProfile;
  /** Over what link, with which fixed costs. */
  readonly link: LinkProfile;
  /** Under which rules; missing fields take {@link DEFAULT_POLICY}. */
  readonly policy?: MigrationPolicy;
}

/** Checkpoint costs with every field present. */
export type ResolvedCosts = Required<CheckpointCosts>;

/** A policy with every field present; `timeBudget` is `null` when there is none. */
export type ResolvedPolicy = Required<Omit<MigrationPolicy, 'timeBudget'>> & {
  /** Longest acceptable total time, in seconds, or `null` for none. */
  readonly timeBudget: Duration | null;
};

/** Validated inputs with defaults filled in. Still valid `ModelInputs`: feeding them back gives the same plan. */
export interface ResolvedInputs {
  /** The container, with `workingSet` and `pageSize` filled in. */
  readonly container: ContainerProfile & { readonly workingSet: Bytes; readonly pageSize: Bytes };
  /** The link, with every cost filled in. */
  readonly link: LinkProfile & { readonly costs: ResolvedCosts };
  /** The policy, with every field filled in. */
  readonly policy: ResolvedPolicy;
}
