/**
 * How to start the test bed's helper scripts (relay, probe) with Node, whether or not the repository is
 * built: compiled `.js` next to this file when running from `dist/`, else the `.ts` source through ts-node
 * in transpile-only mode.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The repository (or installed package) root: the nearest directory above this file that holds a
 * `package.json` (`testbed/` in the sources, `dist/testbed/` when built).
 */
export const PACKAGE_ROOT = packageRootAbove(__dirname);

/** The nearest ancestor of `start` holding a `package.json`; `start` itself when none does. */
export function packageRootAbove(start: string, exists: (p: string) => boolean = fs.existsSync): string {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (exists(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(start);
  }
}

/**
 * The argv prefix that runs helper `name` (relative to this directory, without extension, e.g. `relay/main`).
 * Spawn it with `cwd: PACKAGE_ROOT` so ts-node finds the project's tsconfig.
 */
export function helperArgv(name: string): string[] {
  const js = path.join(__dirname, `${name}.js`);
  if (__filename.endsWith('.js') && fs.existsSync(js)) return [process.execPath, js];
  return [
    process.execPath,
    '-r',
    require.resolve('ts-node/register/transpile-only'),
    path.join(__dirname, `${name}.ts`),
  ];
}

/**
 * Scheduling priority prefix for helpers that emulate or measure the network (`nice -n -10`): on a busy
 * 2-core machine the relay's timers would otherwise fire late and add jitter that a real link does not have.
 */
export const HELPER_NICE: readonly string[] = ['nice', '-n', '-10'];

/** Environment for helpers: ts-node pointed at the project's tsconfig. */
export function helperEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, TS_NODE_PROJECT: path.join(PACKAGE_ROOT, 'tsconfig.json') };
}
