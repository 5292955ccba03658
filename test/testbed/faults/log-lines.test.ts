import { demuxDockerLog, lastTick, parseDirtierLog } from '../../../testbed/faults/log-lines';

const frame = (stream: number, text: string): Buffer => {
  const payload = Buffer.from(text);
  const h = Buffer.alloc(8);
  h[0] = stream;
  h.writeUInt32BE(payload.length, 4);
  return Buffer.concat([h, payload]);
};

describe('parseDirtierLog', () => {
  const log = [
    'start pid=1 mib=64 rate=4 tick_ms=100 ws_mib=0 pages=16384 t=1796348593046523974',
    'tick=1 t=1796348593146523974 dirtied=100 ok=1',
    'gap_ms=1101 tick=2',
    'tick=2 t=1796348594246523974 dirtied=200 ok=1',
    'verify=ok pages=16384 bad=0 vsum=1 dirtied=1 sum=00 ms=17 max_gap_ms=1101',
    'verify=FAIL pages=16384 bad=3 vsum=1 dirtied=1 sum=00 ms=17 max_gap_ms=1101',
    'tick=3 t=1796348594346523974 dirtied=300 ok=0',
    'stop tick=3 dirtied=300 ok=0',
    '',
  ].join('\n');

  it('reads ticks with their realtime in ms, starts, verifications and stops', () => {
    const d = parseDirtierLog(log);
    expect(d.ticks.map((t) => t.tick)).toEqual([1, 2, 3]);
    expect(d.ticks[0]!.atMs).toBe(1796348593146);
    expect(d.ticks.map((t) => t.ok)).toEqual([true, true, false]);
    expect(d.starts).toBe(1);
    expect(d.verifies).toHaveLength(2);
    expect(d.stops).toHaveLength(1);
    expect(lastTick(d)?.tick).toBe(3);
  });

  it('reads an empty log as nothing', () => {
    expect(lastTick(parseDirtierLog(''))).toBeUndefined();
  });
});

describe('demuxDockerLog', () => {
  it('joins the payloads of stdout and stderr frames', () => {
    expect(
      demuxDockerLog(Buffer.concat([frame(1, 'tick=1 t=1\n'), frame(2, 'oops\n'), frame(1, 'tick=2 t=2\n')])),
    ).toBe('tick=1 t=1\noops\ntick=2 t=2\n');
  });

  it('keeps a truncated last frame as far as it goes', () => {
    const b = frame(1, 'tick=1 t=1\n');
    expect(demuxDockerLog(b.subarray(0, b.length - 3))).toBe('tick=1 t');
  });

  it('takes unframed text (a TTY container) as it is', () => {
    expect(demuxDockerLog(Buffer.from('tick=1 t=1\n'))).toBe('tick=1 t=1\n');
  });

  it('handles a frame whose length has its high bytes set (binary header, not text)', () => {
    const big = 'x'.repeat(200) + '\n';
    expect(demuxDockerLog(frame(1, big))).toBe(big);
  });
});
