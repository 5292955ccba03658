/**
 * The outputs of a `ferry.Container` (what the state holds): the inputs they were made from, where the
 * container really runs, and the report of its last migration. Pure helpers; durations in seconds, sizes
 * in bytes.
 */
import type { ContainerInputs } from './schema';

/** What the engine predicted for a migration. */
export interface PredictedFigures {
  /** Strategy the planner chose (`pre-copy`, `stop-and-copy`, `hybrid`, `post-copy`). */
  readonly strategy: string;
  /** Predicted downtime, seconds. */
  readonly downtimeSeconds: number;
  /** Predicted total time, seconds. */
  readonly totalTimeSeconds: number;
  /** Predicted bytes on the wire. */
  readonly bytes: number;
  /** Predicted pre-copy rounds. */
  readonly rounds: number;
}

/** What a migration measured. */
export interface MeasuredFigures {
  /** Strategy used (`pre-copy` or `stop-and-copy`). */
  readonly strategy: string;
  /** Measured downtime (final freeze to running on the target), seconds. */
  readonly downtimeSeconds: number;
  /** The workload's own view of its pause, seconds, when it reported one. */
  readonly workloadGapSeconds?: number;
  /** Wall time of the whole migration, seconds. */
  readonly totalTimeSeconds: number;
  /** Bytes sent between the hosts. */
  readonly bytes: number;
  /** Pre-copy rounds sent. */
  readonly rounds: number;
}

/** The `lastMigration` output: the engine's report, predicted beside measured. */
export interface MigrationSummary {
  /** Migration id (names the journal entry and the checkpoint). */
  readonly migrationId: string;
  /** `cluster/host` the container came from. */
  readonly from: string;
  /** `cluster/host` it went to. */
  readonly to: string;
  /** The plan made after measuring. */
  readonly predicted: PredictedFigures;
  /** What happened. */
  readonly measured: MeasuredFigures;
  /** Link RTT measured, seconds. */
  readonly rttSeconds: number;
  /** Bandwidth estimate, bytes per second. */
  readonly bandwidthBytesPerSecond: number;
  /** Memory moved, bytes. */
  readonly memoryBytes: number;
  /** Measured dirty rate, bytes per second. */
  readonly dirtyRateBytesPerSecond: number;
  /** Why iteration stopped. */
  readonly stopReason: string;
  /** Data path used (`direct` or `relay`). */
  readonly dataPath: string;
  /** When it finished (ISO 8601). */
  readonly finishedAt: string;
}

/** Container lifecycle state as last seen, or `missing` when it was not found. */
export type ObservedState =
  'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead' | 'missing';

/** The outputs of a `ferry.Container`. */
export interface ContainerOutputs extends ContainerInputs {
  /** Docker id of the container (changes with every migration: a new container on the target). */
  readonly containerId: string;
  /** Cluster the container runs on. */
  readonly cluster: string;
  /** Host (within `cluster`) the container runs on. */
  readonly host: string;
  /** Lifecycle state as last seen. */
  readonly state: ObservedState;
  /** Report of the last successful live migration, if any. */
  readonly lastMigration?: MigrationSummary;
  /** Where clients reach the service now (one per published port). */
  readonly endpoints: readonly Endpoint[];
}

import type { Endpoint } from '../engine/cutover/endpoints';
export type { Endpoint };

/** Where and how a container was found. */
export interface Observed {
  /** Docker id. */
  readonly containerId: string;
  /** Cluster. */
  readonly cluster: string;
  /** Host. */
  readonly host: string;
  /** State. */
  readonly state: ObservedState;
  /** Its published ports, where clients reach them. */
  readonly endpoints: readonly Endpoint[];
}

/** Labels Ferry puts on every container it manages. */
export const RESOURCE_LABEL = 'ferry.resource';
/** Label naming the manager. */
export const MANAGED_BY_LABEL = 'ferry.managed-by';

/** The outputs for `inputs` observed at `where`, keeping `lastMigration` when given. Drops `undefined`s. */
export function makeOutputs(
  inputs: ContainerInputs,
  where: Observed,
  lastMigration?: MigrationSummary,
): ContainerOutputs {
  const outs: ContainerOutputs = {
    ...inputs,
    containerId: where.containerId,
    cluster: where.cluster,
    host: where.host,
    state: where.state,
    endpoints: where.endpoints,
    ...(lastMigration !== undefined ? { lastMigration } : {}),
  };
  return withoutUndefined(outs);
}

/** A JSON copy of `v` without `undefined` properties (the provider protocol refuses them). */
export function withoutUndefined<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** Keys of the outputs that are observations, not inputs (plus Pulumi's `__provider`). */
export const OBSERVED_KEYS: readonly string[] = [
  'containerId',
  'cluster',
  'host',
  'state',
  'lastMigration',
  'endpoints',
  '__provider',
];

/** The inputs part of stored outputs (drops the observed fields and `__provider`). */
export function inputsOf(outs: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(outs).filter(([k]) => !OBSERVED_KEYS.includes(k)));
}
