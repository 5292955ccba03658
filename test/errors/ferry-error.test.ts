import {
  CheckpointFailed,
  CommandFailed,
  FerryError,
  HostUnreachable,
  InvalidInput,
  MigrationError,
  PrerequisiteMissing,
  RestoreFailed,
  TimedOut,
  TransferFailed,
} from '../../provider/errors';

describe('error hierarchy', () => {
  it.each([
    [
      new InvalidInput('link.rtt', 50, 'a duration with a unit'),
      'InvalidInput',
      /invalid link\.rtt: got 50, expected/,
    ],
    [
      new PrerequisiteMissing('criu', 'criu check failed', { hint: 'run npm run setup' }),
      'PrerequisiteMissing',
      /criu: criu check failed\n {2}hint: run npm run setup/,
    ],
    [
      new HostUnreachable('root@198.18.1.2:22', 'connection refused'),
      'HostUnreachable',
      /host root@198\.18\.1\.2:22 unreachable/,
    ],
    [
      new CommandFailed(['runc', 'checkpoint'], 1, 'boom\n', 'a'),
      'CommandFailed',
      /exit 1\): runc checkpoint\n {2}stderr: boom/,
    ],
    [new CommandFailed(['sleep'], null, '', 'a'), 'CommandFailed', /exit signal\): sleep$/],
    [new TimedOut('restore', 30), 'TimedOut', /restore did not finish within 30 s/],
    [
      new CheckpointFailed('criu dump failed', 'cluster-a/host-1'),
      'CheckpointFailed',
      /^checkpoint: criu dump failed \(container is running on cluster-a\/host-1\)/,
    ],
    [new TransferFailed('link cut', undefined), 'TransferFailed', /^transfer: link cut$/],
  ])('%s is named %s and says what happened', (err, name, message) => {
    expect(err).toBeInstanceOf(FerryError);
    expect(err.name).toBe(name);
    expect(err.message).toMatch(message);
  });

  it('migration errors carry the phase and where the container runs', () => {
    const err = new RestoreFailed('runc restore exited 1', 'cluster-a/host-1', { cause: new Error('inner') });
    expect(err).toBeInstanceOf(MigrationError);
    expect(err.phase).toBe('restore');
    expect(err.runningOn).toBe('cluster-a/host-1');
    expect((err.cause as Error).message).toBe('inner');
  });

  it('describes awkward values without throwing', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(new InvalidInput('x', cyclic, 'y').message).toMatch(/got \[object Object\]/);
    expect(new InvalidInput('x', 'a"b', 'y').message).toContain('"a\\"b"');
    expect(new InvalidInput('x', { a: 1 }, 'y').message).toContain('{"a":1}');
  });

  it('keeps long stderr to its tail', () => {
    const err = new CommandFailed(['x'], 2, 'a'.repeat(1000) + 'END', 'h');
    expect(err.message).toMatch(/stderr: \.\.\.a+END$/);
    expect(err.stderr.length).toBe(1003);
  });
});
