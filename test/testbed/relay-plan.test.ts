import { testbedPaths } from '../../testbed/paths';
import { buildRelayConfig, relayPorts } from '../../testbed/relay-plan';
import { parseRelayConfig } from '../../testbed/relay/relay-config';
import { initialLinks, type TestbedState } from '../../testbed/state';
import { mbit, millis } from '../../provider/units';

const paths = testbedPaths('/srv/bed');
const state = (count: number, forwardPorts: number[]): TestbedState => ({
  version: 1,
  stateDir: '/srv/bed',
  clusterCount: count,
  forwardPorts,
  hosts: [],
  links: initialLinks(count, { rtt: millis(50), bandwidth: mbit(100) }),
  updatedAt: '',
});

describe('relayPorts', () => {
  it.each([
    [[22], [7, 22]],
    [
      [22, 7],
      [7, 22],
    ],
    [
      [22, 9000],
      [7, 22, 9000],
    ],
  ])('%j -> %j', (ports, expected) => expect(relayPorts(ports)).toEqual(expected));
});

describe('buildRelayConfig', () => {
  it.each([
    [2, [22], 4],
    [3, [22, 9000], 18],
    [4, [22], 24],
  ])('%d clusters, ports %j -> %d routes; round-trips through parseRelayConfig', (n, ports, routes) => {
    const cfg = buildRelayConfig(state(n, ports), paths);
    expect(cfg.routes).toHaveLength(routes);
    expect(parseRelayConfig(JSON.stringify(cfg))).toEqual(cfg);
  });

  it('halves the RTT for each direction', () => {
    const cfg = buildRelayConfig(state(2, [22]), paths);
    expect(cfg.links['cluster-a<->cluster-b']).toEqual({
      oneWayDelayMs: 25,
      rateBytesPerSecond: 12.5e6,
      cut: 'none',
    });
    expect(cfg.controlSocket).toBe('/srv/bed/relay/control.sock');
  });
});

describe('parseRelayConfig', () => {
  const good = buildRelayConfig(state(2, [22]), paths);
  it.each([
    ['a wrong version', { ...good, version: 2 }],
    ['routes not an array', { ...good, routes: {} }],
    [
      'a bad cut',
      {
        ...good,
        links: { 'cluster-a<->cluster-b': { oneWayDelayMs: 1, rateBytesPerSecond: 1, cut: 'maybe' } },
      },
    ],
    [
      'a negative delay',
      {
        ...good,
        links: { 'cluster-a<->cluster-b': { oneWayDelayMs: -1, rateBytesPerSecond: 1, cut: 'none' } },
      },
    ],
    ['a route to an unknown link', { ...good, links: {} }],
    ['a bad port', { ...good, routes: [{ ...good.routes[0]!, port: 70000 }] }],
  ])('rejects %s', (_what, cfg) =>
    expect(() => parseRelayConfig(JSON.stringify(cfg))).toThrow(/relay config/),
  );
});
