/** Shared inputs for the model tests. */
import {
  deriveParams,
  resolveInputs,
  type CheckpointCosts,
  type ContainerProfile,
  type LinkProfile,
  type MigrationPolicy,
  type ModelInputs,
  type ModelParams,
} from '../../provider/model';
import { bytesPerSecond, mbit, mib, millis, seconds } from '../../provider/units';

/** Costs that are all zero except what a test sets: makes the recurrence textbook-clean. */
export const FREE_COSTS: CheckpointCosts = {
  dirtyTracking: true,
  freezeBase: seconds(0),
  freezePerProcess: seconds(0),
  dumpRate: bytesPerSecond(1e15),
  deltaRate: bytesPerSecond(1e15),
  restoreBase: seconds(0),
  restorePerProcess: seconds(0),
  restoreRate: bytesPerSecond(1e15),
  restoreScope: 'full-image',
};

/** 256 MiB, 2 MiB/s dirty, 8 MiB rootfs, 3 processes, 100 Mbit/s at 50 ms RTT, this machine's costs. */
export function inputs(
  over: {
    container?: Partial<ContainerProfile>;
    link?: Partial<LinkProfile>;
    policy?: MigrationPolicy;
  } = {},
): ModelInputs {
  return {
    container: {
      memory: mib(256),
      dirtyRate: bytesPerSecond(mib(2)),
      rootfsDiff: mib(8),
      processes: 3,
      ...over.container,
    },
    link: { rtt: millis(50), bandwidth: mbit(100), ...over.link },
    policy: over.policy ?? {},
  };
}

/** The derived parameters of {@link inputs}. */
export const params = (over: Parameters<typeof inputs>[0] = {}): ModelParams =>
  deriveParams(resolveInputs(inputs(over)));
