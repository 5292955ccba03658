/**
 * Builds the planner's inputs from what was measured (pure), with the costs of a calibration profile
 * (provider/calibration; default `testbed-2026-11-22`, fitted to this engine's restore path on the test bed).
 */
import { DEFAULT_CALIBRATION_PROFILE } from '../../calibration/default-profile';
import { profileCosts } from '../../calibration/profile';
import type { CalibrationProfile } from '../../calibration/profile-types';
import {
  UNCALIBRATED_COSTS,
  type CheckpointCosts,
  type MigrationPolicy,
  type ModelInputs,
} from '../../model';
import { bytesPerSecond, seconds, type Bytes, type Duration } from '../../units';
import type { ContainerMeasurement, LinkMeasurement } from './measure';
import type { RestoreMode } from '../types';

/**
 * The costs of the default calibration profile (`testbed-2026-11-22`, provider/calibration/profiles/) for the
 * default restore mode, `pages-by-reference`, with the model's `dirtyTracking: false` (the engine sets the
 * host's). Fitted term by term to 22 migrations on the test bed (50 ms RTT, 100 Mbit/s; 8 to 256 MiB
 * dirtier; docker 20.10, containerd 1.6, runc 1.1.5, CRIU 4.1.1): see docs/model.md, "Calibration", and the
 * replay in test/engine/measure/plan-inputs.test.ts.
 * - freeze `0.15 s + M / 2 GiB/s`: the final checkpoint took 0.12 to 0.17 s up to 64 MiB and 0.24 to
 *   0.34 s at 256 MiB, a `--leave-running` round 0.18 to 0.26 s and 0.27 to 0.34 s (one freeze for both);
 * - delta `M / 2 GiB/s`: pagedelta's diff on the critical path took 10 to 19 ms up to 32 MiB and 72 to
 *   140 ms at 256 MiB (60 to 240 ms standalone);
 * - restore `0.46 s + M / 1 GiB/s`: placing the images, `docker start --checkpoint` and the rest of the
 *   switchover took 0.33 to 0.35 s at 8 MiB and 0.54 to 0.76 s at 256 MiB; the base also carries the
 *   0.12 s by which the final send's fixed cost (0.16 to 0.21 s) exceeds the one RTT the model counts.
 * See {@link ENGINE_COPY_RESTORE} for the engine's own restore path.
 */
export const ENGINE_COSTS: CheckpointCosts = {
  dirtyTracking: UNCALIBRATED_COSTS.dirtyTracking,
  ...profileCosts(DEFAULT_CALIBRATION_PROFILE),
};

/**
 * Restore costs of the engine's own path (`restoreMode: 'engine-copy'`) in the default profile: 1.2 to 1.5 s
 * for 64 MiB and 4.6 to 6.7 s for 256 MiB (about 0.5 s fixed plus 55 MiB/s): containerd copies every image
 * twice. Seconds and bytes per second.
 */
export const ENGINE_COPY_RESTORE: CheckpointCosts =
  DEFAULT_CALIBRATION_PROFILE.restoreModes?.['engine-copy'] ?? {};

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
  /** How the target restores (default `pages-by-reference`): picks the profile's restore costs. */
  readonly restoreMode?: RestoreMode;
  /** The calibration profile whose costs the planner uses (default {@link DEFAULT_CALIBRATION_PROFILE}). */
  readonly profile?: CalibrationProfile;
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
        ...profileCosts(f.profile ?? DEFAULT_CALIBRATION_PROFILE, f.restoreMode ?? 'pages-by-reference'),
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
