/**
 * What every strategy gets and returns. A strategy moves one running container (already started on the
 * source) to the target host, host to host across the emulated link, and hands back its own figures plus
 * the source container's log (captured after the source stopped, before anything removed it).
 */
import { PrerequisiteMissing } from '../../provider/errors';
import type { HostRef } from '../../provider/engine/types';
import type { WorkloadCheck } from '../../provider/engine/verify/verify';
import type { ConnectedHost } from '../../provider/hosts/connect';
import type { LinkSpec, Prediction } from '../types';

/** Inputs of one strategy run. */
export interface StrategyContext {
  /** Unique name of the container on the source (also used on the target). */
  readonly container: string;
  /** Source host. */
  readonly source: HostRef;
  /** Target host. */
  readonly target: HostRef;
  /** Connected source (the bench's own connection, for reading logs and cleaning up). */
  readonly src: ConnectedHost;
  /** Connected target. */
  readonly tgt: ConnectedHost;
  /** The link as set on the bed (nominal; strategies that measure do so themselves). */
  readonly link: LinkSpec;
  /** The test bed's `ssh_config` (host-to-host SSH for the hand-made copy). */
  readonly sshConfig: string;
  /**
   * The file the target's sshd reads authorized keys from (the test bed's client `.pub`): the engine adds
   * its per-migration key there for the direct host-to-host path.
   */
  readonly authorizedKeysFile: string;
  /** The workload's own checks after a restore (the dirtier's; none for Redis), for the engine's verify. */
  readonly workloadChecks: readonly WorkloadCheck[];
  /** Run number, for unique checkpoint names. */
  readonly seq: number;
  /** Progress lines. */
  readonly log: (line: string) => void;
}

/** What a strategy reports. Times in seconds, sizes in bytes. */
export interface StrategyOutcome {
  /** Id of the container now running on the target. */
  readonly targetId: string;
  /** From the strategy's first action to the target running, seconds. */
  readonly totalS: number;
  /** Bytes sent host to host. */
  readonly bytesOnWire: number;
  /** Pre-copy rounds (0 for stop-and-copy). */
  readonly rounds: number;
  /** The source container's log (stdout + stderr) up to its stop. */
  readonly sourceLog: string;
  /** The tool's own downtime figure, seconds, if any. */
  readonly toolDowntimeS?: number;
  /** The tool's own total time, seconds, if it differs from `totalS`. */
  readonly toolTotalS?: number;
  /** Time from the plan to the target running, seconds (Ferry only). */
  readonly measuredFromPlanS?: number;
  /** Why iteration stopped. */
  readonly stopReason?: string;
  /** The prediction, if the strategy has one. */
  readonly predicted?: Prediction;
}

/** A strategy implementation. */
export type StrategyRun = (ctx: StrategyContext) => Promise<StrategyOutcome>;

/** Seconds on the monotonic clock. */
export const nowS = (): number => performance.now() / 1000;

/**
 * The engine fell back to relaying through the machine running Ferry: the data bypassed the emulated link,
 * so the run measures nothing about the link and is counted as failed.
 */
export class RelayedPath extends PrerequisiteMissing {
  constructor(reason: string) {
    super(
      'direct host-to-host path',
      `the engine relayed through this machine, bypassing the emulated link (${reason})`,
      {
        hint: 'check that the target sshd reads the authorized keys file the bench passes (the test bed client .pub)',
      },
    );
  }
}
