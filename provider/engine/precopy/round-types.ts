/** Small types shared by the round primitives (kept apart to avoid import cycles). */
import type { HostConfig } from '../../config/clusters';

export type { Clock } from '../types';

/** The parts of a host configuration the round primitives read. */
export type HostConfigLike = Pick<HostConfig, 'runtimeRoot' | 'dockerDataRoot' | 'workDir'>;
