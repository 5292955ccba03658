import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InvalidInput } from '../../provider/errors';
import { receiveCommand, receiveScript } from '../../provider/engine/receive-script';

/** Runs the generated receiver with a fake pagedelta that records its arguments and stdin. */
describe('receive.sh', () => {
  let root: string;
  let dir: string;
  let pd: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-recv-'));
    dir = path.join(root, 'ferry-m1');
    fs.mkdirSync(dir);
    pd = path.join(root, 'pagedelta');
    fs.writeFileSync(pd, '#!/bin/sh\nmkdir -p "$3" && echo "$1 $2 $3" > "$3/args" && cat > "$3/stdin"\n', {
      mode: 0o755,
    });
    fs.writeFileSync(path.join(dir, 'receive.sh'), receiveScript(dir, pd));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const recv = (cmd: string, input = ''): { code: number | null; out: string; err: string } => {
    const r = spawnSync('sh', [path.join(dir, 'receive.sh')], {
      env: { SSH_ORIGINAL_COMMAND: cmd, PATH: process.env.PATH },
      input,
    });
    return { code: r.status, out: r.stdout.toString(), err: r.stderr.toString() };
  };

  it('echoes and sinks', () => {
    expect(recv('echo', 'hello\n')).toMatchObject({ code: 0, out: 'hello\n' });
    expect(recv('sink', 'x'.repeat(10000))).toMatchObject({ code: 0, out: '' });
  });

  it('applies a full round, then deltas against the previous one, into complete round dirs', () => {
    expect(recv('full 1', 'first').code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'rounds/1/args'), 'utf8')).toBe(
      `apply - ${dir}/rounds/.1.partial\n`,
    );
    expect(recv('apply 2', 'second').code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'rounds/2/args'), 'utf8')).toBe(
      `apply ${dir}/rounds/1 ${dir}/rounds/.2.partial\n`,
    );
    expect(fs.readFileSync(path.join(dir, 'rounds/2/stdin'), 'utf8')).toBe('second');
    expect(fs.readdirSync(path.join(dir, 'rounds')).sort()).toEqual(['1', '2']);
  });

  it('stores an image tar (only there, via a temp name), and refuses a second one', () => {
    const tar = Buffer.alloc(300_000, 7).toString('latin1');
    expect(recv('image', tar)).toMatchObject({ code: 0, out: '' });
    expect(fs.readFileSync(path.join(dir, 'image.tar'), 'latin1')).toBe(tar);
    expect(fs.readdirSync(dir).sort()).toEqual(['image.tar', 'receive.sh']);
    const again = recv('image', 'other');
    expect(again.code).toBe(64);
    expect(again.err).toContain('refused: image exists');
    expect(fs.readFileSync(path.join(dir, 'image.tar'), 'latin1')).toBe(tar);
  });

  it('fails the image when the partial file cannot be written (no image.tar left)', () => {
    fs.mkdirSync(path.join(dir, '.image.tar.partial', 'x'), { recursive: true });
    expect(recv('image', 'data').code).not.toBe(0);
    expect(fs.existsSync(path.join(dir, 'image.tar'))).toBe(false);
  });

  it.each([
    ['image 1'],
    ['image ../x'],
    ['image; id'],
    ['images'],
    ['rm -rf /'],
    ['apply ../../etc'],
    ['apply 01'],
    ['apply 1000'],
    ['apply 0'],
    ['apply 5'],
    ['full 1; touch /tmp/x'],
    ['full $(id)'],
    [''],
    ['echo x'],
  ])('refuses %j', (cmd) => {
    const r = recv(cmd);
    expect(r.code).toBe(64);
    expect(r.err).toContain('refused');
  });

  it('refuses to overwrite a round', () => {
    expect(recv('full 1').code).toBe(0);
    expect(recv('full 1').code).toBe(64);
  });

  it('is valid sh', () => {
    execFileSync('sh', ['-n', path.join(dir, 'receive.sh')]);
  });

  it.each([['/a b'], ["/a'b"], ['rel/dir'], ['/a/../b']])('refuses to embed %j', (d) => {
    expect(() => receiveScript(d, '/bin/pd')).toThrow(InvalidInput);
  });

  it.each<[Parameters<typeof receiveCommand>, string[]]>([
    [['echo'], ['echo']],
    [['sink'], ['sink']],
    [['image'], ['image']],
    [
      ['full', 1],
      ['full', '1'],
    ],
    [
      ['apply', 12],
      ['apply', '12'],
    ],
  ])('receiveCommand(%j)', (args, words) => expect(receiveCommand(...args)).toEqual(words));

  it.each<Parameters<typeof receiveCommand>>([
    ['apply', 0],
    ['full', -1],
    ['apply', 1000],
    ['apply', 1.5],
    ['full'],
  ])('receiveCommand refuses %j', (...args) => expect(() => receiveCommand(...args)).toThrow(InvalidInput));
});
