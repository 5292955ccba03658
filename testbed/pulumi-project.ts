/**
 * A throwaway Pulumi project on the test bed: a directory under `<repo>/.ferry/<parent>/` (so that the
 * program resolves `node_modules` and the Ferry sources) whose Pulumi.yaml runs an example program, with a
 * local file backend and a passphrase, driven through the Automation API. Used by the end-to-end tests and
 * by the fault campaign's `pulumi up` controller. Throws PrerequisiteMissing when the Pulumi CLI is missing.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LocalWorkspace, type Stack } from '@pulumi/pulumi/automation';
import type { ClustersFile } from '../provider/config/clusters';
import { PrerequisiteMissing } from '../provider/errors';
import { clustersConfigEntries } from '../provider/pulumi/stack-config';
import { PACKAGE_ROOT } from './node-entry';

/** Offline settings of the Pulumi CLI. */
export function pulumiEnv(stateDir: string): Record<string, string> {
  return {
    PULUMI_SKIP_UPDATE_CHECK: 'true',
    PULUMI_BACKEND_URL: `file://${stateDir}`,
    PULUMI_CONFIG_PASSPHRASE: 'ferry-e2e-passphrase',
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: 'true',
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: 'true',
  };
}

/** @throws PrerequisiteMissing when `pulumi version` does not work. */
export function requirePulumiCli(): string {
  try {
    return execFileSync('pulumi', ['version'], {
      env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: 'true' },
      timeout: 30_000,
    })
      .toString()
      .trim();
  } catch (e) {
    throw new PrerequisiteMissing('pulumi', `the Pulumi CLI does not run: ${(e as Error).message}`, {
      hint: 'run scripts/setup/pulumi-cli.sh (it builds the CLI from source)',
    });
  }
}

/** A project directory with one stack. */
export interface TestProject {
  /** The project directory. */
  readonly dir: string;
  /** The stack. */
  readonly stack: Stack;
  /** Removes the directory (state included). Destroy the stack first. */
  remove(): void;
}

/**
 * Creates a project running `program` (a path relative to the repository, e.g.
 * `examples/relocate/index.ts`) named `projectName`, in `<repo>/.ferry/<parent>/`, with one stack whose
 * `ferry:clusters` is `clusters` (private keys inlined as secrets) and whose other config is `config`
 * (keys without namespace).
 */
export async function createTestProject(
  projectName: string,
  program: string,
  clusters: ClustersFile,
  config: Readonly<Record<string, string>>,
  parent = 'pulumi-e2e',
): Promise<TestProject> {
  requirePulumiCli();
  const dir = path.join(PACKAGE_ROOT, '.ferry', parent, `${projectName}-${randomUUID().slice(0, 8)}`);
  const stateDir = path.join(dir, 'state');
  fs.mkdirSync(stateDir, { recursive: true });
  const rel = path.relative(dir, path.join(PACKAGE_ROOT, program));
  fs.writeFileSync(
    path.join(dir, 'Pulumi.yaml'),
    `name: ${projectName}\nruntime:\n  name: nodejs\n  options:\n    typescript: true\nmain: ${rel}\n`,
  );
  fs.writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({
      extends: path.relative(dir, path.join(PACKAGE_ROOT, 'tsconfig.json')),
      compilerOptions: { noCheck: true },
    }),
  );
  const stack = await LocalWorkspace.createStack(
    { stackName: 'e2e', workDir: dir },
    { workDir: dir, envVars: pulumiEnv(stateDir) },
  );
  const entries = clustersConfigEntries(clusters);
  await stack.setAllConfig(
    Object.fromEntries(entries.map((e) => [e.key, { value: e.value, secret: e.secret }])),
    true,
  );
  await stack.setAllConfig(
    Object.fromEntries(Object.entries(config).map(([k, v]) => [`${projectName}:${k}`, { value: v }])),
  );
  return { dir, stack, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
