import { formatStatus, table } from '../../testbed/format-status';
import { initialLinks } from '../../testbed/state';
import type { TestbedStatus } from '../../testbed/status';
import { bytesPerSecond, mbit, millis, seconds } from '../../provider/units';

describe('table', () => {
  it('pads columns', () =>
    expect(
      table([
        ['a', 'bb'],
        ['ccc', 'd'],
      ]),
    ).toBe('a    bb\nccc  d'));
});

describe('formatStatus', () => {
  const link = initialLinks(2, { rtt: millis(50), bandwidth: mbit(100) })[0]!;
  const base: TestbedStatus = {
    stateDir: '/srv/bed',
    up: true,
    healthy: true,
    relay: { alive: true, pid: 42 },
    clusters: [
      {
        cluster: 'cluster-a',
        host: 'host-1',
        address: '198.18.1.2',
        netns: true,
        containerd: true,
        dockerd: true,
        sshd: false,
      },
    ],
    links: [
      {
        link,
        measured: {
          rtt: seconds(0.051),
          rttSamplesMs: [51],
          throughputAtoB: bytesPerSecond(12e6),
          throughputBtoA: bytesPerSecond(11.9e6),
          bytes: 25e6,
        },
      },
    ],
  };

  it.each([
    ['the header', 'test bed in /srv/bed: healthy; relay up (pid 42)'],
    ['a sick daemon', 'DOWN'],
    ['set and measured RTT', '50 ms    51 ms (+2%)'],
    ['measured throughput', '96.0 Mbit/s (-4%)'],
  ])('shows %s', (_what, text) => expect(formatStatus(base)).toContain(text));

  it('says when nothing is up', () => {
    expect(formatStatus({ ...base, up: false })).toContain('no test bed is up in /srv/bed');
  });

  it('shows a cut link', () => {
    expect(
      formatStatus({ ...base, links: [{ link: { ...link, cut: 'reset' }, note: 'cut (reset)' }] }),
    ).toContain('cut (reset)');
  });
});
