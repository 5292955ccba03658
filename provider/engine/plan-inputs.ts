/**
 * Builds the planner's inputs from what was measured (pure), with the costs of this engine's restore path
 * (`docker start --checkpoint`, which is far slower than a bare `runc restore`: see docs/engine.md).
 */
import { THIS_MACHINE_COSTS, type CheckpointCosts, type MigrationPolicy, type ModelInputs } from '../model';
import { bytesPerSecond, mibPerSecond, seconds, type Bytes, type Duration } from '../units';
import type { ContainerMeasurement, LinkMeasurement } from './measure';

/**
 * Costs of this engine's path on this kind of machine (docker 20.10, containerd 1.6, runc 1.1.5,
 * CRIU 4.1.1), calibrated on the test bed (docs/engine.md): a `runc checkpoint --leave-running` froze a
 * 64 MiB dirtier for 0.35 to 0.45 s and a 256 MiB one for 0.35 to 0.7 s (about 0.3 s fixed); pagedelta
 * compares about 450 MiB/s; the engine's `start --checkpoint` took 1.2 to 1.5 s for 64 MiB and about 5 s
 * for 256 MiB (about 0.5 s fixed plus 55 MiB/s).
 */
export const ENGINE_COSTS: CheckpointCosts = {
  ...THIS_MACHINE_COSTS,
  freezeBase: seconds(0.3),
  dumpRate: mibPerSecond(1024),
  deltaRate: mibPerSecond(450),
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
      costs: { ...ENGINE_COSTS, dirtyTracking: f.dirtyTracking },
    },
    policy: { ...ENGINE_POLICY, ...(f.policy ?? {}) },
  };
}

/** Seconds from now to the predicted end of a plan, given the time already spent in it. */
export function eta(totalPredicted: Duration, elapsed: Duration): Duration {
  return seconds(Math.max(0, totalPredicted - elapsed));
}
