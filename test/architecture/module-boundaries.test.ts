/**
 * The architecture as a test: what may import what. `provider/` is the package and imports nothing of the
 * test bed, the tests, the bench or the examples; only the two adapter files load ssh2 and dockerode; the
 * test bed may use the package, never the other way round.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

/** Every `.ts` file under `dir` (relative to the repository root). */
function tsFiles(dir: string): string[] {
  const abs = path.join(ROOT, dir);
  return (fs.readdirSync(abs, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join(dir, f));
}

/** The module specifiers a file imports: static imports and exports, `import()`, `require()`. */
export function importsOf(source: string): string[] {
  const out: string[] = [];
  const patterns = [
    /^\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'/gm,
    /^\s*import\s+'([^']+)'/gm,
    /\bimport\(\s*'([^']+)'\s*\)/g,
    /\brequire(?:\.resolve)?\(\s*'([^']+)'\s*\)/g,
  ];
  for (const re of patterns) for (const m of source.matchAll(re)) out.push(m[1]!);
  return out;
}

/** The repository folder a relative import of `file` lands in (`provider`, `testbed`, ...). */
function topFolderOf(file: string, spec: string): string {
  const target = path.relative(ROOT, path.resolve(ROOT, path.dirname(file), spec));
  return target.split(path.sep)[0]!;
}

describe('importsOf (the scanner the rules below rely on)', () => {
  it.each([
    ["import { a } from '../x';", ['../x']],
    ["import type { A } from '../../testbed/y';", ['../../testbed/y']],
    ["export { b } from './z';", ['./z']],
    ["const m = await import('dockerode');", ['dockerode']],
    ["const s = require('ssh2');", ['ssh2']],
    ["import 'side-effect';", ['side-effect']],
    ['// no imports here', []],
  ])('%s', (src, expected) => {
    expect(importsOf(src)).toEqual(expected);
  });
});

describe('module boundaries', () => {
  const provider = tsFiles('provider');

  it('finds the package sources', () => {
    expect(provider.length).toBeGreaterThan(50);
  });

  it('provider/ imports nothing outside provider/ but packages', () => {
    const bad = provider.flatMap((f) =>
      importsOf(fs.readFileSync(path.join(ROOT, f), 'utf8'))
        .filter((s) => s.startsWith('.') && topFolderOf(f, s) !== 'provider')
        .map((s) => `${f} -> ${s}`),
    );
    expect(bad).toEqual([]);
  });

  it('provider/ names no test bed module by path either', () => {
    const bad = provider.filter((f) =>
      /['"`][^'"`]*\btestbed\/[^'"`]*['"`]/.test(fs.readFileSync(path.join(ROOT, f), 'utf8')),
    );
    expect(bad).toEqual([]);
  });

  it('only the adapter files load ssh2 and dockerode', () => {
    const users = [...provider, ...tsFiles('testbed')].filter((f) =>
      importsOf(fs.readFileSync(path.join(ROOT, f), 'utf8')).some((s) => s === 'ssh2' || s === 'dockerode'),
    );
    expect(users.sort()).toEqual(['provider/hosts/dockerode-runtime.ts', 'provider/hosts/ssh2-shell.ts']);
  });

  it('the test bed uses the package, never the tests, the bench or the examples', () => {
    const bad = tsFiles('testbed').flatMap((f) =>
      importsOf(fs.readFileSync(path.join(ROOT, f), 'utf8'))
        .filter((s) => s.startsWith('.') && !['testbed', 'provider'].includes(topFolderOf(f, s)))
        .map((s) => `${f} -> ${s}`),
    );
    expect(bad).toEqual([]);
  });

  it('loading the package entry point loads neither ssh2 nor dockerode, nor the test bed', () => {
    const script =
      "require('./provider/index');" +
      'const loaded = Object.keys(require.cache).filter((k) => /node_modules\\/(ssh2|dockerode|docker-modem)\\/|\\/testbed\\//.test(k));' +
      'process.stdout.write(JSON.stringify(loaded));';
    const out = execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(JSON.parse(out)).toEqual([]);
  });
});
