import { parseWorkloadGap, probeArgv } from '../../provider/engine/verify';

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

describe('probeArgv', () => {
  it('puts the container id and pid into the environment, then the probe verbatim', () => {
    expect(probeArgv(['sh', '-c', 'test -f "$X"'], 'abc', 42)).toEqual([
      'env',
      'FERRY_CONTAINER_ID=abc',
      'FERRY_CONTAINER_PID=42',
      'sh',
      '-c',
      'test -f "$X"',
    ]);
  });
});
