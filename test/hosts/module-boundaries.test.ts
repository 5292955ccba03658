import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const HOSTS = join(ROOT, 'provider', 'hosts');
const ADAPTERS = ['provider/hosts/ssh2-shell.ts', 'provider/hosts/dockerode-runtime.ts'];

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('edge library boundaries', () => {
  it.each(files(HOSTS).map((f) => relative(ROOT, f)))(
    '%s imports ssh2/dockerode only if it is an adapter, and only lazily',
    (file) => {
      const text = readFileSync(join(ROOT, file), 'utf8');
      const valueImport = /^import\s+(?!type\b)[^;]*from\s+'(ssh2|dockerode)'/m;
      const anyImport =
        /from\s+'(ssh2|dockerode)'|require\('(ssh2|dockerode)'\)|import\('(ssh2|dockerode)'\)/;
      expect(valueImport.test(text)).toBe(false);
      if (!ADAPTERS.includes(file)) expect(anyImport.test(text)).toBe(false);
    },
  );

  it('loading provider/hosts loads neither ssh2 nor dockerode (they load on connect)', () => {
    const script =
      "require('./provider/hosts'); require('./provider/hosts/connect'); require('./provider/hosts/dockerode-runtime');" +
      'const loaded = Object.keys(require.cache).filter((k) => /node_modules\\/(ssh2|dockerode|docker-modem)\\//.test(k));' +
      'process.stdout.write(JSON.stringify(loaded));';
    const out = execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(JSON.parse(out)).toEqual([]);
  });
});
