/**
 * Builds the planner's inputs from what was measured (pure), with the costs of this engine's restore path
 * (`docker start --checkpoint`, which is far slower than a bare `runc restore`: see docs/engine.md).
 */
import { THIS_MACHINE_COSTS, type CheckpointCosts, type MigrationPolicy, type ModelInputs } from '../model';
import { bytesPerSecond, mibPerSecond, seconds, type Bytes, type Duration } from '../units';
import type { ContainerMeasurement, LinkMeasurement } from './measure';
import type { RestoreMode } from './types';

/**
 * Costs of this engine's path on this kind of machine (docker 20.10, containerd 1.6, runc 1.1.5,
 * CRIU 4.1.1), calibrated on the test bed (docs/engine.md): a `runc checkpoint --leave-running` froze a
 * 64 MiB dirtier for 0.35 to 0.45 s and a 256 MiB one for 0.35 to 0.9 s (about 0.3 s fixed); pagedelta
 * compares about 450 MiB/s. The restore depends on the restore mode: with pages by reference the engine's
 * `start --checkpoint` plus placing the images took 0.7 to 1.7 s for 64 to 256 MiB (about 0.6 s fixed plus
 * 400 MiB/s); see {@link ENGINE_COPY_RESTORE} for the engine's own path.
 */
export const ENGINE_COSTS: CheckpointCosts = {
  ...THIS_MACHINE_COSTS,
  freezeBase: seconds(0.3),
  dumpRate: mibPerSecond(1024),
  deltaRate: mibPerSecond(450),
  restoreBase: seconds(0.6),
  restoreRate: mibPerSecond(400),
};

/**
 * Restore costs of the engine's own path (`restoreMode: 'engine-copy'`): 1.2 to 1.5 s for 64 MiB and 4.6
 * to 6.7 s for 256 MiB (about 0.5 s fixed plus 55 MiB/s): containerd copies every image twice.
 */
export const ENGINE_COPY_RESTORE: CheckpointCosts = {
  restoreBase: seconds(0.5),
  restoreRate: mibPerSecond(55),
};

/**
 * The engine's default policy on top of the model's: extra downtime is acceptable (the Docker restore path
 * alone is above the model's 300 ms default target, so a strict target would abort every migration).
 */
export const ENGINE_POLICY: MigrationPolicy = { extraDowntimeAcceptable: true };

/** Everything the planner is fed. */
export interface PlanFacts {
  /** The link probes. */
  readonly link: LinkMeasurement;
  /** The container measurement. */
  readonly container: ContainerMeasurement;
  /** Root filesystem bytes expected to move at the switchover (size of the writable layer). */
  readonly rootfsDiff: Bytes;
  /** Processes in the container. */
  readonly processes: number;
  /** The request's policy (overrides {@link ENGINE_POLICY}). */
  readonly policy: MigrationPolicy | undefined;
  /** Whether the kernel tracks dirty pages (never on this machine). */
  readonly dirtyTracking: boolean;
  /** How the target restores (default `pages-by-reference`). */
  readonly restoreMode?: RestoreMode;
}

/** The planner's inputs. */
export function planInputs(f: PlanFacts): ModelInputs {
  const dirtySamples =
    f.container.dirty !== undefined && f.container.dirty.interval > 0 ? [f.container.dirty] : [];
  return {
    container: {
      memory: f.container.memory,
      ...(dirtySamples.length > 0 ? { dirtySamples } : { dirtyRate: bytesPerSecond(0) }),
      rootfsDiff: f.rootfsDiff,
      processes: Math.max(1, f.processes),
    },
    link: {
      rtt: f.link.rtt,
      bandwidthSamples: [f.link.sample],
      costs: {
        ...ENGINE_COSTS,
        ...(f.restoreMode === 'engine-copy' ? ENGINE_COPY_RESTORE : {}),
        dirtyTracking: f.dirtyTracking,
      },
    },
    policy: { ...ENGINE_POLICY, ...(f.policy ?? {}) },
  };
}

/** Seconds from now to the predicted end of a plan, given the time already spent in it. */
export function eta(totalPredicted: Duration, elapsed: Duration): Duration {
  return seconds(Math.max(0, totalPredicted - elapsed));
}
