import { planMigration } from '../../provider/model';
import { reportToMarkdown, type MigrationReport } from '../../provider/engine/report';
import { bytes, mbit, mib, millis, seconds } from '../../provider/units';

const plan = planMigration({
  container: { memory: mib(256), dirtyRate: mib(2) as never, rootfsDiff: bytes(0), processes: 1 },
  link: { rtt: millis(50), bandwidth: mbit(100) },
});

const round = (index: number, kind: 'precopy' | 'final', sent: number) => ({
  index,
  kind,
  pagesTotal: 65536,
  pagesSent: sent,
  pagesUnchanged: 65536 - sent,
  bytes: bytes(sent * 4096),
  freeze: seconds(0.4),
  deltaTime: seconds(0.2),
  transferTime: seconds((sent * 4096) / 12.5e6),
  duration: seconds(1 + (sent * 4096) / 12.5e6),
});

const base: MigrationReport = {
  migrationId: 'm1',
  container: 'big',
  from: 'cluster-a/host-1',
  to: 'cluster-b/host-1',
  targetContainerId: 'b'.repeat(64),
  plan,
  strategy: 'pre-copy',
  rtt: millis(51),
  bandwidth: mbit(90),
  memory: mib(256),
  dirtyRate: mib(3) as never,
  measureFreezes: [seconds(0.41), seconds(0.44)],
  rounds: [round(1, 'precopy', 65536), round(2, 'precopy', 20000), round(3, 'final', 5000)],
  stopReason: 'another round would save less than its pause',
  downtime: seconds(3.71),
  workloadGap: seconds(3.48),
  totalTime: seconds(61.6),
  timeFromPlan: seconds(45.2),
  bytesOnWire: mib(400),
  dataPath: { kind: 'direct', reason: 'direct ssh from cluster-a to 198.18.1.12:22' },
  restoreMode: 'pages-by-reference',
  restore: {
    finalCheckpoint: seconds(0.43),
    finalTransfer: seconds(1.92),
    place: seconds(0.27),
    engineStart: seconds(0.55),
    rootfs: seconds(0.27),
  },
  rootfs: { copied: ['/data/marker'], deleted: [] },
  imageSent: false,
  notes: [],
};

describe('reportToMarkdown', () => {
  it('puts the plan beside the measurements and lists every round', () => {
    const md = reportToMarkdown(base);
    expect(md).toMatch(/^# Migration m1: big cluster-a\/host-1 -> cluster-b\/host-1/);
    expect(md).toContain(`| downtime | `);
    expect(md).toContain('| 3.71 s (workload saw 3.48 s) |');
    expect(md).toContain('| 45.20 s (61.60 s with preflight and measurement) |');
    expect(md).toContain('| 1 | precopy | 65536 / 65536 | 256.0 MiB | 400 ms |');
    expect(md).toContain('| 3 | final | 5000 / 65536 |');
    expect(md).toContain('data path **direct**');
    expect(md).toContain('engine start --checkpoint 550 ms (pages-by-reference)');
    expect(md).toContain('Root fs: copied /data/marker; deleted nothing.');
    expect(md).not.toContain('Notes:');
  });

  it.each<[Partial<MigrationReport>, string]>([
    [{ workloadGap: undefined }, '| 3.71 s |'],
    [{ notes: ['removing x: gone'] }, '- removing x: gone'],
    [{ strategy: 'stop-and-copy', rounds: [round(1, 'final', 65536)] }, 'Strategy **stop-and-copy**'],
    [
      { strategy: 'stop-and-copy', rounds: [round(1, 'final', 65536)] },
      '| predicted (stop-and-copy, imposed) |',
    ],
    [{ imageSent: true }, 'Image sent: yes'],
    [{ plan: undefined }, '| downtime | not planned | 3.71 s'],
    [{ plan: undefined }, '(planned: nothing, a fixed stop rule decided)'],
    [{ plan: undefined }, 'Nothing measured before the rounds (a fixed stop rule)'],
  ])('renders %j', (change, text) => {
    expect(reportToMarkdown({ ...base, ...change })).toContain(text);
  });
});
