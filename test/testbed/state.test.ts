import { initialLinks, linkSettingsOf, mergeLinks, withLink } from '../../testbed/state';
import { gbit, mbit, millis } from '../../provider/units';

const defaults = { rtt: millis(50), bandwidth: mbit(100) };

describe('mergeLinks', () => {
  const existing = withLink(
    {
      version: 1,
      stateDir: '/x',
      clusterCount: 2,
      forwardPorts: [22],
      hosts: [],
      links: initialLinks(2, defaults),
      updatedAt: '',
    },
    'cluster-a<->cluster-b',
    { rttSeconds: 0.02, cut: 'blackhole' },
  ).links;

  it.each([
    ['keeps existing values without overrides', 2, {}, 0.02, 12.5e6],
    ['applies an RTT override', 2, { rtt: millis(80) }, 0.08, 12.5e6],
    ['applies a bandwidth override', 2, { bandwidth: gbit(1) }, 0.02, 125e6],
  ])('%s', (_what, n, override, rtt, bw) => {
    const l = mergeLinks(n, existing, override, defaults).find((x) => x.id === 'cluster-a<->cluster-b')!;
    expect(l.rttSeconds).toBeCloseTo(rtt);
    expect(l.bandwidthBytesPerSecond).toBe(bw);
    expect(l.cut).toBe('blackhole');
  });

  it('gives new links the defaults merged with overrides when growing', () => {
    const links = mergeLinks(3, existing, { rtt: millis(10) }, defaults);
    expect(links.map((l) => l.id)).toEqual([
      'cluster-a<->cluster-b',
      'cluster-a<->cluster-c',
      'cluster-b<->cluster-c',
    ]);
    expect(links[1]).toMatchObject({ rttSeconds: 0.01, bandwidthBytesPerSecond: 12.5e6, cut: 'none' });
  });

  it('turns stored numbers back into units', () => {
    expect(linkSettingsOf(initialLinks(2, defaults)[0]!)).toEqual(defaults);
  });
});
