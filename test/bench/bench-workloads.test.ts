import { interference } from '../../bench/interference';
import { dirtier, REDIS_WORKLOAD } from '../../bench/matrix';
import { describeError, failureClass, specOf } from '../../bench/runner';
import { copyArgv, dockerArgv } from '../../bench/strategies/hand-made';
import { RelayedPath } from '../../bench/strategies/types';
import { dirtierSpec, mergeTicks, workloadView } from '../../bench/workloads/dirtier';
import { redisSpec } from '../../bench/workloads/redis';
import { CommandFailed, MigrationAborted } from '../../provider/errors';

const tick = (n: number, ms: number): string => `tick=${n} t=${BigInt(ms) * 1_000_000n} dirtied=0 ok=1`;

describe('workload view', () => {
  it('takes the longest gap over the source and target ticks, counting a tick seen twice once', () => {
    const src = [tick(1, 1000), tick(2, 1020), tick(3, 1040), 'gap_ms=5 tick=3'].join('\n');
    const tgt = [tick(3, 1040), tick(4, 3540), tick(5, 3560), 'verify=ok pages=1 bad=0'].join('\n');
    const v = workloadView(src, tgt);
    expect(v.downtimeS).toBeCloseTo(2.5);
    expect(v.counterContinuous).toBe(true);
    expect(v.verifyOk).toBe(true);
    expect(v.targetTicks).toBe(3);
    expect(v.sourceTicks).toBe(3);
    expect(mergeTicks([], []).length).toBe(0);
  });

  it('flags a lost tick and a failed verification', () => {
    const v = workloadView(
      [tick(1, 0), tick(2, 20)].join('\n'),
      [tick(4, 900), 'verify=FAIL pages=1 bad=1'].join('\n'),
    );
    expect(v.counterContinuous).toBe(false);
    expect(v.verifyOk).toBe(false);
    expect(workloadView(tick(1, 0), '').targetTicks).toBe(0);
  });

  it('derives the dirtier arguments from the link; redis gets its loop and arguments as argv', () => {
    const s = dirtierSpec(
      'c1',
      { kind: 'dirtier', mib: 64, dirtyFraction: 0.1, tickMs: 20 },
      { rttMs: 50, mbit: 100 },
    );
    expect(s.cmd).toEqual([
      '/bin/dirtier',
      '--mib',
      '64',
      '--dirty-mib-s',
      '1.19',
      '--tick-ms',
      '20',
      '--verify-every',
      '0',
    ]);
    expect(s.hostConfig?.networkMode).toBe('none');
    const r = redisSpec('c2', { kind: 'redis', mib: 64, tickMs: 20 });
    expect(r.cmd?.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(r.cmd?.slice(4, 6)).toEqual(['61008', '0.020']);
    expect(
      specOf('x', {
        seq: 0,
        strategy: 'ferry',
        rep: 1,
        cell: { workload: REDIS_WORKLOAD, link: { rttMs: 1, mbit: 1000 } },
      }).image,
    ).toBe('ferry/bench-redis:latest');
    expect(
      specOf('x', {
        seq: 0,
        strategy: 'ferry',
        rep: 1,
        cell: { workload: dirtier(64, 0), link: { rttMs: 1, mbit: 1000 } },
      }).image,
    ).toBe('ferry/dirtier:latest');
  });
});

describe('strategies (pure parts)', () => {
  it('hand-made: docker argv and the host-to-host copy keep every path a separate argument', () => {
    expect(dockerArgv('/s/d.sock', ['start', '--checkpoint', 'c', 'id'])).toEqual([
      'docker',
      '-H',
      'unix:///s/d.sock',
      'start',
      '--checkpoint',
      'c',
      'id',
    ]);
    const a = copyArgv('/k/ssh_config', { address: '198.18.1.12', port: 22 }, "/a b/it's", '/t/dir');
    expect(a.slice(0, 2)).toEqual(['bash', '-c']);
    expect(a[4]).toBe("/a b/it's");
    expect(a.slice(5, 10)).toEqual(['-F', '/k/ssh_config', '-p', '22', '198.18.1.12']);
    expect(a[10]).toBe(`sh -c 'mkdir -p -- "$1" && exec tar -C "$1" -xf -' sh /t/dir`);
  });

  it('classifies failures for counting', () => {
    const lost = new CommandFailed(
      ['docker', 'checkpoint'],
      1,
      'Error response from daemon: content sha256:abc already exists',
      'h',
    );
    expect(failureClass(lost)).toBe('checkpoint-content-exists');
    expect(failureClass(new MigrationAborted('precopy', 'no', 'a/h'))).toBe('aborted');
    expect(failureClass(new RelayedPath('probe failed'))).toBe('relayed-not-across-link');
    expect(failureClass(new Error('x'))).toBe('other');
    expect(failureClass(new Error('host h unreachable: SSH connection lost while running cat'))).toBe(
      'ssh-connection-lost',
    );
    expect(describeError(new Error('outer\nmore\nmore', { cause: new Error('inner') }))).toBe(
      'outer | more <- inner',
    );
  });
});

describe('bed interference', () => {
  const log = [
    '2026-11-22T02:58:36.895Z config 44 applied: 4 listeners; cluster-a<->cluster-b 50ms 100.0mbit none',
    '2026-11-22T02:59:39.512Z cluster-a<->cluster-b 198.18.1.2:52336 -> 198.18.2.2:22 reset: link cut',
    '2026-11-22T02:59:39.514Z cluster-a<->cluster-b: cut none -> reset',
    '2026-11-22T03:00:00.000Z config 50 applied: 4 listeners; cluster-a<->cluster-b 1ms 1000.0mbit none',
  ].join('\n');
  const at = (s: string): Date => new Date(`2026-11-22T${s}Z`);
  it('is none when only the expected settings were applied', () => {
    expect(interference(log, at('02:58:00'), at('02:59:00'), { rttMs: 50, mbit: 100 })).toBeUndefined();
    expect(interference(log, at('02:59:50'), at('03:00:10'), { rttMs: 1, mbit: 1000 })).toBeUndefined();
  });
  it('reports cuts and other settings within the window', () => {
    expect(interference(log, at('02:59:00'), at('02:59:50'), { rttMs: 50, mbit: 100 })).toMatch(
      /^2 link change/,
    );
    expect(interference(log, at('02:59:50'), at('03:00:10'), { rttMs: 50, mbit: 100 })).toMatch(
      /1 ms 1000 Mbit\/s/,
    );
  });
});
