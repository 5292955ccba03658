import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { CommandFailed, InvalidInput, PrerequisiteMissing, TimedOut } from '../../provider/errors';
import {
  buildNative,
  defaultNativeCacheDir,
  isUsableBinary,
  missingStaticLibc,
  NATIVE_CFLAGS,
  nativeBinaryName,
  nativeBuildHash,
  nativeCompileArgv,
  staleBuilds,
} from '../../provider/engine/preflight/native-build';
import { seconds } from '../../provider/units';

describe('pure helpers', () => {
  it('hash is stable and depends on source, compiler and flags', () => {
    const h = nativeBuildHash('int main(){}');
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(nativeBuildHash(Buffer.from('int main(){}'))).toBe(h);
    expect(nativeBuildHash('int main(){return 1;}')).not.toBe(h);
    expect(nativeBuildHash('int main(){}', 'clang')).not.toBe(h);
    expect(nativeBuildHash('int main(){}', 'gcc', [...NATIVE_CFLAGS, '-g'])).not.toBe(h);
    // flag boundaries matter: ['-a b'] and ['-a', 'b'] are different builds
    expect(nativeBuildHash('x', 'gcc', ['-a b'])).not.toBe(nativeBuildHash('x', 'gcc', ['-a', 'b']));
  });

  it.each([
    ['native/pagedelta/pagedelta.c', 'pagedelta-0123456789abcdef'],
    ['/abs/dirtier.c', 'dirtier-0123456789abcdef'],
    ['tool', 'tool-0123456789abcdef'],
  ])('binary name of %s', (src, name) => {
    expect(nativeBinaryName(src, '0123456789abcdef0123')).toBe(name);
  });

  it.each(['', 'xyz', '0123'])('binary name rejects hash %j', (hash) => {
    expect(() => nativeBinaryName('a.c', hash)).toThrow(InvalidInput);
  });

  it('compile argv is an argument array with the flags', () => {
    expect(nativeCompileArgv('/s/a.c', '/c/a-1', 'gcc')).toEqual([
      'gcc',
      '-static',
      '-O2',
      '-Wall',
      '-Wextra',
      '-o',
      '/c/a-1',
      '/s/a.c',
    ]);
    expect(nativeCompileArgv('a b.c', 'o', 'cc', ['-static'])).toEqual(['cc', '-static', '-o', 'o', 'a b.c']);
  });

  it.each([
    ['/usr/bin/ld: cannot find -lc: No such file or directory', true],
    ['/usr/bin/ld: cannot find crt1.o: No such file or directory', true],
    ['error: expected ; before }', false],
    ['cannot find -lcrypto', false],
  ])('missingStaticLibc(%j) = %s', (stderr, expected) => {
    expect(missingStaticLibc(stderr)).toBe(expected);
  });

  it.each([
    [
      ['pagedelta-0123456789abcdef', 'pagedelta-fedcba9876543210', 'dirtier-0123456789abcdef'],
      ['pagedelta-fedcba9876543210'],
    ],
    [
      [
        'pagedelta-0123456789abcdef',
        'pagedelta-extra-0123456789abcdee',
        'pagedelta-xyz',
        'pagedelta-0123.tmp-1',
      ],
      [],
    ],
    [[], []],
  ])('staleBuilds(%j) = %j', (names, expected) => {
    expect(staleBuilds(names, 'pagedelta-0123456789abcdef')).toEqual(expected);
  });

  it.each([
    [undefined, false],
    [{ size: 0, mode: 0o100755 }, false],
    [{ size: 10, mode: 0o100644 }, false],
    [{ size: 10, mode: 0o100755 }, true],
  ])('isUsableBinary(%j) = %s', (st, expected) => {
    expect(isUsableBinary(st)).toBe(expected);
  });

  it.each([
    ['/repo/provider/engine', '/repo/package.json', '/repo/.ferry/cache/native'],
    ['/repo/dist/provider/engine', '/repo/package.json', '/repo/.ferry/cache/native'],
    ['/x/y', '/none', path.join(os.tmpdir(), 'ferry-native-cache')],
  ])('default cache dir from %s', (start, pkg, expected) => {
    expect(defaultNativeCacheDir(start, (p) => p === pkg)).toBe(expected);
  });
});

describe('buildNative (with a fake compiler)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-native-build-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  /** A shell script standing in for gcc: logs its calls, then runs `body` with $out set to the -o value. */
  async function fakeCc(body: string): Promise<string> {
    const cc = path.join(dir, 'fake-cc');
    await fs.writeFile(
      cc,
      `#!/bin/sh\necho "$@" >> "${dir}/calls"\nout=\nwhile [ $# -gt 0 ]; do [ "$1" = -o ] && out=$2; shift; done\n${body}\n`,
      { mode: 0o755 },
    );
    return cc;
  }
  const calls = async (): Promise<number> =>
    (await fs.readFile(path.join(dir, 'calls'), 'utf8').catch(() => '')).split('\n').filter(Boolean).length;

  it('compiles once, then reuses the cached binary; a changed source builds anew', async () => {
    const cc = await fakeCc('printf "#!/bin/sh\\necho hi\\n" > "$out"');
    const src = path.join(dir, 'tool.c');
    await fs.writeFile(src, 'int main(void){return 0;}\n');
    const cacheDir = path.join(dir, 'cache');
    const a = await buildNative(src, { cc, cacheDir });
    expect(a.built).toBe(true);
    expect(path.basename(a.path)).toBe(nativeBinaryName(src, a.hash));
    expect(((await fs.stat(a.path)).mode & 0o777).toString(8)).toBe('755');
    const b = await buildNative(src, { cc, cacheDir });
    expect(b).toEqual({ ...a, built: false });
    expect(await calls()).toBe(1);
    await fs.writeFile(src, 'int main(void){return 1;}\n');
    const c = await buildNative(src, { cc, cacheDir });
    expect(c.built).toBe(true);
    expect(c.path).not.toBe(a.path);
    expect(await calls()).toBe(2);
    expect(await fs.readdir(cacheDir)).toEqual([path.basename(c.path)]); // the older build is gone
    expect((await fs.readdir(cacheDir)).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('missing compiler -> PrerequisiteMissing naming it', async () => {
    const src = path.join(dir, 'tool.c');
    await fs.writeFile(src, 'x');
    const p = buildNative(src, { cc: path.join(dir, 'no-such-cc'), cacheDir: dir });
    await expect(p).rejects.toThrow(PrerequisiteMissing);
    await expect(p).rejects.toThrow(/no-such-cc/);
  });

  it('missing libc.a -> PrerequisiteMissing(libc6-dev)', async () => {
    const cc = await fakeCc('echo "/usr/bin/ld: cannot find -lc: No such file or directory" >&2; exit 1');
    const src = path.join(dir, 'tool.c');
    await fs.writeFile(src, 'x');
    await expect(buildNative(src, { cc, cacheDir: dir })).rejects.toMatchObject({
      name: 'PrerequisiteMissing',
      piece: 'libc6-dev',
    });
  });

  it('compile error -> CommandFailed with argv, exit code and stderr; no partial binary', async () => {
    const cc = await fakeCc('echo partial > "$out"; echo "tool.c:1: error: oops" >&2; exit 3');
    const src = path.join(dir, 'tool.c');
    await fs.writeFile(src, 'x');
    const err = await buildNative(src, { cc, cacheDir: path.join(dir, 'c') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandFailed);
    const cf = err as CommandFailed;
    expect(cf.exitCode).toBe(3);
    expect(cf.stderr).toMatch(/oops/);
    expect(cf.argv[0]).toBe(cc);
    expect(cf.argv).toContain('-static');
    expect(await fs.readdir(path.join(dir, 'c'))).toEqual([]);
  });

  it('hung compiler -> TimedOut', async () => {
    const cc = await fakeCc('exec sleep 5');
    const src = path.join(dir, 'tool.c');
    await fs.writeFile(src, 'x');
    await expect(buildNative(src, { cc, cacheDir: dir, timeout: seconds(0.3) })).rejects.toThrow(TimedOut);
  });

  it('missing source -> PrerequisiteMissing', async () => {
    await expect(buildNative(path.join(dir, 'absent.c'), { cacheDir: dir })).rejects.toThrow(
      PrerequisiteMissing,
    );
  });
});
