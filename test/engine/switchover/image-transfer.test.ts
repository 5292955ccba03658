import type { DataPath } from '../../../provider/engine/data-path/data-path';
import { describeImageTransfer, sendImage } from '../../../provider/engine/switchover/image-transfer';
import { TransferFailed } from '../../../provider/errors';
import type { ConnectedHost } from '../../../provider/hosts/connect';
import type { ExecResult, RemoteShell } from '../../../provider/hosts/remote-shell';
import { bytes, seconds } from '../../../provider/units';

const ID = `sha256:${'ab'.repeat(32)}`;
const TAR_SIZE = 2_936_320;

/** A host whose shell records every argv and answers with `answer` (exit 0 and a warning on stderr by default). */
function host(
  name: string,
  log: string[],
  answer: (argv: readonly string[]) => Partial<ExecResult> = () => ({}),
) {
  const shell = {
    exec: (argv: readonly string[]) => {
      log.push(`${name}: ${argv.join(' ')}`);
      const r = answer(argv);
      return Promise.resolve({ exitCode: 0, stdout: Buffer.from(''), stderr: 'WARNING: noise', ...r });
    },
    describe: () => name,
  } as unknown as RemoteShell;
  return { shell, config: { dockerSocket: `/run/${name}.sock` } } as unknown as ConnectedHost;
}

const sizes = (argv: readonly string[]): Partial<ExecResult> =>
  argv[0] === 'du'
    ? { stdout: Buffer.from(`${TAR_SIZE}\t${argv.at(-1)}\n`) }
    : argv.includes('inspect')
      ? { stdout: Buffer.from('2900000\n') }
      : {};

function dataPath(log: string[], fail = false): DataPath {
  return {
    kind: 'direct',
    reason: 'test',
    directArgv: () => undefined,
    close: () => Promise.resolve(),
    send: (file, words) => {
      log.push(`send: ${file} ${words.join(' ')}`);
      return fail
        ? Promise.reject(new Error('link down'))
        : Promise.resolve({ duration: seconds(0.4), stderr: '' });
    },
  };
}

let t = 0;
const clock = { now: () => seconds((t += 0.5)), wall: () => new Date(0), sleep: () => Promise.resolve() };
const input = (
  log: string[],
  src = host('src', log, sizes),
  tgt = host('tgt', log, sizes),
  fail = false,
) => ({
  source: src,
  target: tgt,
  path: dataPath(log, fail),
  imageId: ID,
  sourceDir: '/w/ferry-m1',
  targetDir: '/v/ferry-m1',
  clock,
  runningOn: 'cluster-a/host-1',
});

describe('sendImage', () => {
  it('saves on the source, sends the file over the path, loads on the target, removes both tars', async () => {
    const log: string[] = [];
    const r = await sendImage(input(log));
    expect(log).toEqual([
      `src: docker --host unix:///run/src.sock image inspect --format {{.Size}} ${ID}`,
      `src: docker --host unix:///run/src.sock save --output /w/ferry-m1/image.tar ${ID}`,
      'src: du -sb -- /w/ferry-m1/image.tar',
      'send: /w/ferry-m1/image.tar image',
      'tgt: du -sb -- /v/ferry-m1/image.tar',
      'tgt: docker --host unix:///run/tgt.sock load --input /v/ferry-m1/image.tar',
      'src: rm -f -- /w/ferry-m1/image.tar',
      'tgt: rm -f -- /v/ferry-m1/image.tar',
    ]);
    expect(r).toEqual({ imageId: ID, bytes: TAR_SIZE, save: 0.5, send: 0.4, load: 0.5, path: 'direct' });
    expect(describeImageTransfer(r)).toBe(
      `image ${ID.slice(0, 19)} sent over the direct path: 2.8 MiB, save 500 ms, send 400 ms, load 500 ms`,
    );
  });

  it('fails by exit code, naming the step, and still removes both tars', async () => {
    const log: string[] = [];
    const tgt = host('tgt', log, (argv) => (argv.includes('load') ? { exitCode: 1 } : sizes(argv)));
    const e = await sendImage(input(log, undefined, tgt)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TransferFailed);
    expect((e as Error).message).toContain('docker load on the target failed');
    expect(log.slice(-2)).toEqual([
      'src: rm -f -- /w/ferry-m1/image.tar',
      'tgt: rm -f -- /v/ferry-m1/image.tar',
    ]);
  });

  it('fails a send over the path as a TransferFailed naming the path', async () => {
    const log: string[] = [];
    const e = await sendImage(input(log, undefined, undefined, true)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TransferFailed);
    expect((e as Error).message).toContain('over the direct path failed');
    expect(log.some((l) => l.includes(' load '))).toBe(false);
  });

  it('refuses to load a tar that arrived short', async () => {
    const log: string[] = [];
    const tgt = host('tgt', log, (argv) => (argv[0] === 'du' ? { stdout: Buffer.from('1000\tx\n') } : {}));
    await expect(sendImage(input(log, undefined, tgt))).rejects.toThrow(
      `received 1000 of ${bytes(TAR_SIZE)}`,
    );
    expect(log.some((l) => l.includes(' load '))).toBe(false);
  });
});
