/** The relay's config derived from the test bed's state (pure). */
import { PROBE_PORT, relayRoutes } from './address-plan';
import { oneWayDelayMs } from './link-settings';
import type { TestbedPaths } from './paths';
import type { RelayConfig, RelayLinkConfig } from './relay/relay-config';
import { linkSettingsOf, type TestbedState } from './state';

/** Ports the relay carries: the bed's forwarded ports (SSH and extras) and the probe port, each once, sorted. */
export function relayPorts(forwardPorts: readonly number[]): number[] {
  return [...new Set([...forwardPorts, PROBE_PORT])].sort((a, b) => a - b);
}

/** The relay config for a state: a route per ordered cluster pair and port, and each link's settings. */
export function buildRelayConfig(state: TestbedState, paths: TestbedPaths): RelayConfig {
  const links: Record<string, RelayLinkConfig> = {};
  for (const l of state.links) {
    const s = linkSettingsOf(l);
    links[l.id] = { oneWayDelayMs: oneWayDelayMs(s.rtt), rateBytesPerSecond: s.bandwidth, cut: l.cut };
  }
  return {
    version: 1,
    controlSocket: paths.relayControlSocket,
    pidFile: paths.relayPidFile,
    routes: relayRoutes(state.clusterCount, relayPorts(state.forwardPorts)),
    links,
  };
}
