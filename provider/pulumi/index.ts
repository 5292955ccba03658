/**
 * Ferry for Pulumi: `ferry.Container`, a container whose placement is a property (change it, `pulumi up`
 * migrates it live), and the helpers to configure a stack. See docs/pulumi.md.
 */
export {
  Container,
  type ContainerArgs,
  type MigrationPolicyArgs,
  type PlacementArgs,
  type ResourcesArgs,
} from './container';
export type { ContainerOutputs, MigrationSummary, ObservedState } from './outputs';
export { CLUSTERS_KEY, PER_LINK_KEY } from './config';
export { ferryProvider } from './provider';
