import { InvalidInput } from '../../../provider/errors';
import {
  dockerHostArgv,
  dockerImageSizeArgv,
  dockerLoadArgv,
  dockerSaveArgv,
  parseImageSize,
} from '../../../provider/hosts/commands/docker-cli';

const SOCK = '/run/ferry/docker.sock';
const ID = `sha256:${'0123456789abcdef'.repeat(4)}`;

describe('docker CLI builders', () => {
  it('addresses the engine by its socket', () => {
    expect(dockerHostArgv('/var/run//docker.sock/')).toEqual([
      'docker',
      '--host',
      'unix:///var/run/docker.sock',
    ]);
  });

  it('builds docker save into a file', () => {
    expect(dockerSaveArgv(SOCK, '/var/lib/ferry/ferry-m1/image.tar', ID)).toEqual([
      'docker',
      '--host',
      `unix://${SOCK}`,
      'save',
      '--output',
      '/var/lib/ferry/ferry-m1/image.tar',
      ID,
    ]);
  });

  it('accepts a bare 64-hex image ID', () => {
    const bare = 'f'.repeat(64);
    expect(dockerSaveArgv(SOCK, '/x/image.tar', bare).at(-1)).toBe(bare);
  });

  it('builds docker load from a file', () => {
    expect(dockerLoadArgv(SOCK, '/var/lib/ferry/ferry-m1/image.tar')).toEqual([
      'docker',
      '--host',
      `unix://${SOCK}`,
      'load',
      '--input',
      '/var/lib/ferry/ferry-m1/image.tar',
    ]);
  });

  it('builds the image size query', () => {
    expect(dockerImageSizeArgv(SOCK, ID)).toEqual([
      'docker',
      '--host',
      `unix://${SOCK}`,
      'image',
      'inspect',
      '--format',
      '{{.Size}}',
      ID,
    ]);
  });

  it.each([
    ['a tag', 'ferry/dirtier:latest'],
    ['an option', '--all'],
    ['a short ID', 'sha256:0123456789ab'],
    ['upper-case hex', `sha256:${'A'.repeat(64)}`],
    ['another algorithm', `sha512:${'a'.repeat(64)}`],
    ['trailing text', `${ID} x`],
    ['empty', ''],
  ])('refuses %s as image ID', (_, id) => {
    expect(() => dockerSaveArgv(SOCK, '/x/image.tar', id)).toThrow(InvalidInput);
    expect(() => dockerImageSizeArgv(SOCK, id)).toThrow(InvalidInput);
  });

  it.each([['relative/image.tar'], ['-o'], [''], ['/x/a\0b']])('refuses the file %j', (file) => {
    expect(() => dockerSaveArgv(SOCK, file, ID)).toThrow(InvalidInput);
    expect(() => dockerLoadArgv(SOCK, file)).toThrow(InvalidInput);
  });

  it.each([['docker.sock'], ['tcp://1.2.3.4:2375'], ['']])('refuses the socket %j', (socket) => {
    expect(() => dockerLoadArgv(socket, '/x/image.tar')).toThrow(InvalidInput);
  });
});

describe('parseImageSize', () => {
  it.each([
    ['7340032\n', 7340032],
    ['0', 0],
  ])('parses %j', (out, n) => expect(parseImageSize(out)).toBe(n));

  it.each([[''], ['12 MB'], ['-1'], ['1.5'], ['Error: No such image']])('refuses %j', (out) => {
    expect(() => parseImageSize(out)).toThrow(InvalidInput);
  });
});
