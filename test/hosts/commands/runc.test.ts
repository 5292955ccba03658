import { InvalidInput } from '../../../provider/errors';
import {
  parseRuncState,
  runcCheckpointArgv,
  runcListArgv,
  runcStateArgv,
} from '../../../provider/hosts/commands/runc';

const base = {
  runtimeRoot: '/run/docker/runtime-runc/moby',
  containerId: 'a'.repeat(64),
  imagePath: '/var/lib/ferry/m1/round-2',
  workPath: '/var/lib/ferry/m1/work-2',
  leaveRunning: false,
  tcpEstablished: false,
};

describe('runcCheckpointArgv', () => {
  it('builds the minimal final dump', () => {
    expect(runcCheckpointArgv(base)).toEqual([
      'runc',
      '--root',
      '/run/docker/runtime-runc/moby',
      'checkpoint',
      '--image-path',
      '/var/lib/ferry/m1/round-2',
      '--work-path',
      '/var/lib/ferry/m1/work-2',
      'a'.repeat(64),
    ]);
  });

  it('puts every option before the container id', () => {
    const argv = runcCheckpointArgv({
      ...base,
      leaveRunning: true,
      tcpEstablished: true,
      parentPath: '../round-1',
      preDump: true,
      lazyPages: true,
      pageServer: '10.0.0.2:27000',
      extUnixSk: true,
      shellJob: true,
      fileLocks: true,
      manageCgroupsMode: 'soft',
      autoDedup: true,
    });
    expect(argv.slice(-1)).toEqual(['a'.repeat(64)]);
    for (const flag of [
      '--leave-running',
      '--tcp-established',
      '--pre-dump',
      '--lazy-pages',
      '--ext-unix-sk',
      '--shell-job',
      '--file-locks',
      '--auto-dedup',
    ]) {
      expect(argv).toContain(flag);
    }
    expect(argv.join(' ')).toContain('--parent-path ../round-1');
    expect(argv.join(' ')).toContain('--page-server 10.0.0.2:27000');
    expect(argv.join(' ')).toContain('--manage-cgroups-mode soft');
  });

  it('builds a pre-dump with a parent relative to the image path (runc 1.1)', () => {
    expect(
      runcCheckpointArgv({
        ...base,
        imagePath: '/var/lib/ferry/m1/rounds/3',
        leaveRunning: true,
        preDump: true,
        parentPath: '../2',
      }),
    ).toEqual([
      'runc',
      '--root',
      '/run/docker/runtime-runc/moby',
      'checkpoint',
      '--image-path',
      '/var/lib/ferry/m1/rounds/3',
      '--work-path',
      '/var/lib/ferry/m1/work-2',
      '--leave-running',
      '--parent-path',
      '../2',
      '--pre-dump',
      'a'.repeat(64),
    ]);
  });

  it('builds a final dump with a parent (no pre-dump, container stops)', () => {
    const argv = runcCheckpointArgv({ ...base, parentPath: '../../m1/rounds/4' });
    expect(argv.join(' ')).toContain('--parent-path ../../m1/rounds/4 ');
    expect(argv).not.toContain('--pre-dump');
    expect(argv).not.toContain('--leave-running');
  });

  it.each([
    ['relative runtime root', { runtimeRoot: 'run/x' }],
    ['absolute parent path (runc 1.1 wants it relative)', { parentPath: '/var/lib/ferry/m1/rounds/2' }],
    ['parent path with a space', { parentPath: '../round 1' }],
    ['empty parent path', { parentPath: '' }],
    ['relative image path', { imagePath: 'images' }],
    ['container id that looks like an option', { containerId: '--help' }],
    ['container id with a slash', { containerId: 'a/b' }],
    ['parent path that looks like an option', { parentPath: '--x' }],
    ['page server without port', { pageServer: '10.0.0.2' }],
  ])('rejects a %s', (_, over) => {
    expect(() => runcCheckpointArgv({ ...base, ...over })).toThrow(InvalidInput);
  });
});

describe('runc state and list', () => {
  it('builds argv', () => {
    expect(runcStateArgv('/r', 'c1')).toEqual(['runc', '--root', '/r', 'state', 'c1']);
    expect(runcListArgv('/r')).toEqual(['runc', '--root', '/r', 'list', '--format', 'json']);
  });

  it('parses state JSON', () => {
    expect(parseRuncState('{"ociVersion":"1.0.2","id":"x","pid":812,"status":"running"}')).toEqual({
      status: 'running',
      pid: 812,
    });
  });

  it.each(['', 'not json', '{"status":1}'])('rejects state output %j', (out) => {
    expect(() => parseRuncState(out)).toThrow(InvalidInput);
  });
});
