import { probeArgv } from '../../../provider/engine/verify/verify';

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
