import { failedVerify, observeDirtierLog, parseWorkloadGap } from '../../../testbed/workloads/dirtier-check';

describe('parseWorkloadGap', () => {
  it.each([
    ['the gap_ms line wins', 'tick=1 t=5\ngap_ms=812 tick=2\nverify=ok max_gap_ms=900\n', 812],
    [
      'a lost gap_ms line: the newest max_gap_ms',
      'verify=ok ms=10 max_gap_ms=700\nverify=ok max_gap_ms=815\n',
      815,
    ],
    ['neither: not the dirtier', 'hello\nworld\n', undefined],
    ['max_gap_ms must be a whole word', 'xmax_gap_ms=5\n', undefined],
    ['gap_ms only at a line start', 'tick=3 gap_ms=9\n', undefined],
  ])('%s', (_name, logs, expected) => {
    expect(parseWorkloadGap(logs)).toBe(expected);
  });
});

describe('observeDirtierLog', () => {
  it('reports the gap in seconds', () => {
    expect(observeDirtierLog('gap_ms=812 tick=2\nverify=ok max_gap_ms=812\n')).toEqual({
      gap: 0.812,
      note: 'the dirtier saw a pause of 812 ms',
    });
  });
  it('a log without a gap line gives no gap', () => {
    expect(observeDirtierLog('tick=1 t=2\n').gap).toBeUndefined();
  });
  it.each([
    ['verify=BAD pages=10 bad=3\n', 'verify=BAD pages=10 bad=3'],
    ['verify=ok a\nverify=fail b\n', 'verify=fail b'],
  ])('a failed verification throws, naming the line (%s)', (logs, line) => {
    expect(failedVerify(logs)).toBe(line);
    expect(() => observeDirtierLog(logs)).toThrow(line);
  });
});
