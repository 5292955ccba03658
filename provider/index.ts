/**
 * `@ferry/pulumi`: live migration of running, stateful containers between clusters.
 *
 * - For Pulumi programs: {@link Container}, a container whose placement is a property. Change it and run
 *   `pulumi up`: the container moves live.
 * - Without Pulumi: the engine's {@link migrate} and {@link recover}, with their request and report types.
 * - The planner ({@link planMigration}): a pure latency model that chooses the strategy and predicts
 *   downtime and total time from the link and the container.
 * - The errors (`FerryError` and its subclasses) and the unit types (bytes, durations, rates).
 *
 * Importing this module loads neither ssh2 nor dockerode: they load when a host is connected.
 */
export {
  Container,
  CLUSTERS_KEY,
  PER_LINK_KEY,
  type ContainerArgs,
  type ContainerOutputs,
  type MigrationPolicyArgs,
  type MigrationSummary,
  type ObservedState,
  type PlacementArgs,
  type ResourcesArgs,
} from './pulumi';
export type { ClusterConfig, ClustersFile, HostConfig, PeerEndpoint } from './config/clusters';
export { readClustersFile, parseClustersText, CLUSTERS_FILE_ENV } from './config/clusters-file';
export {
  migrate,
  recover,
  reportToMarkdown,
  fileJournalStore,
  memoryJournalStore,
  resolveHostRef,
  systemClock,
  type Clock,
  type HostRef,
  type MigrationDeps,
  type MigrationHooks,
  type MigrationReport,
  type MigrationRequest,
  type ProgressEvent,
  type RecoveryResult,
  type StrategyChoice,
  type WorkloadCheck,
  type WorkloadObservation,
} from './engine';
export { connectHost, type ConnectedHost } from './hosts/connect';
export {
  planMigration,
  planHeadline,
  planToMarkdown,
  planToString,
  type MigrationPlan,
  type MigrationPolicy,
  type ModelInputs,
  type Strategy,
} from './model';
export * from './errors';
export * from './units';
