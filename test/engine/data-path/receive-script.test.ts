import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InvalidInput, PrerequisiteMissing } from '../../../provider/errors';
import {
  engineScriptBody,
  engineScriptPath,
  receiveCommand,
  receiveScript,
} from '../../../provider/engine/data-path/receive-script';

/** The static receiver in the checkout. */
const STATIC_RECEIVER = path.resolve(__dirname, '../../../provider/engine/scripts/receive.sh');

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

  it('says the client address of the connection (peer), and refuses without SSH_CONNECTION', () => {
    const r = spawnSync('sh', [path.join(dir, 'receive.sh')], {
      env: {
        SSH_ORIGINAL_COMMAND: 'peer',
        SSH_CONNECTION: '198.18.1.11 40022 198.18.2.12 22',
        PATH: process.env.PATH,
      },
    });
    expect({ code: r.status, out: r.stdout.toString() }).toEqual({ code: 0, out: '198.18.1.11\n' });
    expect(recv('peer').code).toBe(64);
  });

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

  it('is the static scripts/receive.sh after one line that sets its two arguments', () => {
    const text = fs.readFileSync(path.join(dir, 'receive.sh'), 'utf8');
    const lines = text.split('\n');
    expect(lines[0]).toBe('#!/bin/sh');
    expect(lines).toContain(`set -- '${dir}' '${pd}'`);
    expect(text.endsWith(`set -- '${dir}' '${pd}'\n${engineScriptBody('receive.sh')}\n`)).toBe(true);
    expect(engineScriptBody('receive.sh')).toMatch(/^set -eu\n/);
  });

  it('runs from the checkout with DIR and PAGEDELTA as arguments, and refuses without them', () => {
    const run = (args: string[], cmd: string, input = '') =>
      spawnSync('sh', [STATIC_RECEIVER, ...args], {
        env: { SSH_ORIGINAL_COMMAND: cmd, PATH: process.env.PATH },
        input,
      });
    expect(run([dir, pd], 'echo', 'hi\n').stdout.toString()).toBe('hi\n');
    expect(run([dir, pd], 'full 0', 'zero').status).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'rounds/0/stdin'), 'utf8')).toBe('zero');
    const bare = run([], 'echo');
    expect(bare.status).toBe(64);
    expect(bare.stderr.toString()).toContain('usage: receive.sh DIR PAGEDELTA');
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

describe('engineScriptPath', () => {
  it('finds the script from the sources and from dist/ (nearest ancestor holding it)', () => {
    const have = new Set(['/pkg/provider/engine/scripts/flatten.sh']);
    const exists = (p: string): boolean => have.has(p);
    expect(engineScriptPath('flatten.sh', '/pkg/provider/engine', exists)).toBe(
      '/pkg/provider/engine/scripts/flatten.sh',
    );
    expect(engineScriptPath('flatten.sh', '/pkg/dist/provider/engine', exists)).toBe(
      '/pkg/provider/engine/scripts/flatten.sh',
    );
  });

  it('fails naming the script when no ancestor holds it', () => {
    expect(() => engineScriptPath('receive.sh', '/nowhere/dist', () => false)).toThrow(PrerequisiteMissing);
  });

  it('finds the real scripts of this checkout', () => {
    expect(fs.existsSync(engineScriptPath('receive.sh'))).toBe(true);
    expect(fs.existsSync(engineScriptPath('flatten.sh'))).toBe(true);
  });
});
