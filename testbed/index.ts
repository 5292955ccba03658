/**
 * Ferry's test bed as a library: several "clusters" on one machine, each a host in its own network namespace
 * with its own Docker Engine and OpenSSH server, joined by an emulated WAN (HTB bandwidth + a delaying TCP
 * relay for RTT). The `ferry testbed` CLI is a thin layer over these functions. See docs/testbed.md.
 */
export { testbedUp, type Testbed, type TestbedUpOptions, type TestbedUpResult } from './up';
export { testbedDown, type TestbedDownOptions, type TestbedDownResult } from './down';
export {
  testbedStatus,
  type ClusterStatus,
  type LinkStatus,
  type TestbedStatus,
  type TestbedStatusOptions,
} from './status';
export { changeLink, cutLink, restoreLink, setLink, type LinkChange, type LinkOptions } from './link';
export { loadTestbed } from './load';
export { formatStatus } from './format-status';
export type { LinkMeasurement } from './measure';
export { measureLink } from './measure';
export {
  DEFAULT_BANDWIDTH,
  DEFAULT_RTT,
  parseLinkSettings,
  type CutMode,
  type LinkSettings,
} from './link-settings';
export { defaultStateDir, testbedPaths, type HostPaths, type TestbedPaths } from './paths';
export type { LinkState, TestbedState } from './state';
export {
  clusterPlan,
  clusterPlans,
  linkPlans,
  peerAddress,
  resolveCluster,
  PROBE_PORT,
  SSH_PORT,
  type ClusterPlan,
  type LinkPlan,
} from './address-plan';
export { inNetns } from './daemon-config';
export { missingPrerequisites } from './prerequisites';
