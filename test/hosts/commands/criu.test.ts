import { InvalidInput } from '../../../provider/errors';
import {
  criuAtLeast,
  criuCheckArgv,
  criuVersionArgv,
  parseCriuVersion,
} from '../../../provider/hosts/commands/criu';
import { dockerCheckpointDir } from '../../../provider/hosts/commands/docker-paths';

describe('criu commands', () => {
  it('builds argv', () => {
    expect(criuVersionArgv()).toEqual(['criu', '--version']);
    expect(criuCheckArgv()).toEqual(['criu', 'check']);
    expect(criuCheckArgv('mem_dirty_track')).toEqual(['criu', 'check', '--feature', 'mem_dirty_track']);
    expect(criuCheckArgv('uffd-noncoop')).toEqual(['criu', 'check', '--feature', 'uffd-noncoop']);
  });

  it.each(['', '--all', 'a b', 'X'])('rejects feature %j', (f) => {
    expect(() => criuCheckArgv(f)).toThrow(InvalidInput);
  });

  it.each([
    ['Version: 4.1.1\n', { major: 4, minor: 1, patch: 1, text: '4.1.1' }],
    ['Version: 3.17\nGitID: v3.17\n', { major: 3, minor: 17, patch: 0, text: '3.17' }],
  ])('parses %j', (out, v) => {
    expect(parseCriuVersion(out)).toEqual(v);
  });

  it('rejects output without a version', () => {
    expect(() => parseCriuVersion('criu: command not found')).toThrow(InvalidInput);
  });

  it.each([
    [[4, 0, 0], true],
    [[4, 1, 1], true],
    [[4, 1, 2], false],
    [[3, 99, 0], true],
    [[5, 0, 0], false],
  ])('4.1.1 is at least %j: %p', ([a, b, c], ok) => {
    expect(criuAtLeast(parseCriuVersion('Version: 4.1.1'), a!, b, c)).toBe(ok);
  });
});

describe('dockerCheckpointDir', () => {
  const id = 'ab'.repeat(32);
  it('places images where `start --checkpoint` looks', () => {
    expect(dockerCheckpointDir('/var/lib/docker/', id, 'ferry-1')).toBe(
      `/var/lib/docker/containers/${id}/checkpoints/ferry-1`,
    );
  });

  it.each([
    ['a short id', '/var/lib/docker', 'abcdef', 'x'],
    ['a relative data root', 'docker', id, 'x'],
    ['a name with a slash', '/var/lib/docker', id, '../x'],
  ])('refuses %s', (_, root, cid, name) => {
    expect(() => dockerCheckpointDir(root, cid, name)).toThrow(InvalidInput);
  });
});
