/**
 * The Pulumi features Ferry relies on, end to end with the real Pulumi CLI and the Node language host that
 * the setup installs (the host of sdk v3.68.0 when the Go module proxy serves no newer one; docs/setup.md,
 * "Pulumi CLI", lists what that host lacks). No test bed: the test writes a TypeScript project into a
 * temporary directory (file backend), whose program (`features/program.ts`) has one resource of a dynamic
 * provider (`features/recorder.ts`) that appends every call it gets to a JSON-lines file. The `it`s share
 * one stack and run in order; each checks one feature. Fails (never skips) without the Pulumi CLI.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { clustersFromConfigJson } from '../../provider/cli/plan-command';
import type { ClustersFile } from '../../provider/config/clusters';
import { readClusters } from '../../provider/pulumi/config';
import {
  clustersConfigEntries,
  inlinePrivateKeys,
  setAllConfigArgv,
  type ConfigEntry,
} from '../../provider/pulumi/stack-config';
import { FAILURE_MESSAGE, type RecordedCall } from './features/recorder';
import { clusters } from './fixtures';
import { REPO, pulumiEnv, requirePulumiCli, stateFileText } from './support/pulumi-project';

jest.setTimeout(120_000);

const FIXTURES = path.join(__dirname, 'features');
const PROJECT = 'ferry-features';
const STACK = 'features';
const RECORDER_TYPE = 'pulumi-nodejs:dynamic/features:Recorder';
/** A module that only the project directory's module resolution finds (see beforeAll). */
const PROBE_MODULE = 'ferry-features-probe';
const PROBE_MARKER = 'loaded from the project directory';
/** The Pulumi.yaml `nodeargs` runtime option. */
const NODEARGS = '--max-old-space-size=321';
const TOKEN = 'features-token-s3cr3t';
const SETTINGS = { limits: { cpu: 2, memory: '1GiB' }, zones: ['a', 'b'] };
const KEY_A =
  '-----BEGIN OPENSSH PRIVATE KEY-----\nfeatures-test-key-of-cluster-a\n-----END OPENSSH PRIVATE KEY-----\n';
const readKey = (p: string): string => {
  if (p !== '/keys/id_ed25519') throw new Error(`unexpected key file ${p}`);
  return KEY_A;
};

let work: string;
let stateDir: string;
let projectDir: string;
let callLog: string;

/** The result of one `pulumi` run. */
interface Run {
  readonly code: number;
  readonly stdout: string;
  /** stdout and stderr. */
  readonly output: string;
}

/** Runs `pulumi <args>` in the project directory, offline, without colours or prompts. */
function pulumi(args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      'pulumi',
      [...args, '--non-interactive', '--color', 'never'],
      {
        cwd: projectDir,
        env: { ...process.env, ...pulumiEnv(stateDir) },
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
        timeout: 100_000,
      },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        resolve({ code, stdout, output: `${stdout}\n${stderr}` });
      },
    );
  });
}

/** Throws, with the output, when `run` failed. */
function succeeded<T extends Run>(run: T, what: string): T {
  if (run.code !== 0) throw new Error(`pulumi ${what} exited with ${run.code}:\n${run.output}`);
  return run;
}

/** Runs `pulumi <args>`; its stdout, or an error with the output. */
async function pulumiOk(args: readonly string[]): Promise<string> {
  return succeeded(await pulumi(args), args.join(' ')).stdout;
}

/** Runs `pulumi <args>` with an empty call log: the run, and the calls the provider recorded meanwhile. */
async function withCalls(args: readonly string[]): Promise<Run & { calls: RecordedCall[] }> {
  fs.writeFileSync(callLog, '');
  const run = await pulumi(args);
  const calls = fs
    .readFileSync(callLog, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as RecordedCall);
  return { ...run, calls };
}

const methods = (calls: readonly RecordedCall[]): string[] => calls.map((c) => c.method);

/** The one call of `method`. */
function only(calls: readonly RecordedCall[], method: RecordedCall['method']): RecordedCall {
  const found = calls.filter((c) => c.method === method);
  expect(found).toHaveLength(1);
  return found[0]!;
}

const up = ['up', '--yes', '--skip-preview', '--stack', STACK];

async function setConfig(key: string, value: string): Promise<void> {
  await pulumiOk(['config', 'set', key, value, '--stack', STACK]);
}

async function removeConfig(key: string): Promise<void> {
  await pulumiOk(['config', 'rm', key, '--stack', STACK]);
}

/** `pulumi stack output --json [--show-secrets]`. */
async function stackOutputs(showSecrets: boolean): Promise<Record<string, unknown>> {
  const args = ['stack', 'output', '--json', '--stack', STACK, ...(showSecrets ? ['--show-secrets'] : [])];
  return JSON.parse(await pulumiOk(args)) as Record<string, unknown>;
}

/** The recorder in the stack's state (`pulumi stack export`), if there is one. */
async function recorderInState(): Promise<{ id: string; outputs: Record<string, unknown> } | undefined> {
  const exported = JSON.parse(await pulumiOk(['stack', 'export', '--stack', STACK])) as {
    deployment: { resources?: { type: string; id?: string; outputs?: Record<string, unknown> }[] };
  };
  const r = (exported.deployment.resources ?? []).find((x) => x.type === RECORDER_TYPE);
  return r === undefined ? undefined : { id: r.id ?? '', outputs: r.outputs ?? {} };
}

/** A step of `pulumi preview --json`: the fields ferry plan reads (provider/pulumi/plan-moves.ts), and more. */
interface PreviewStep {
  readonly op?: string;
  readonly urn?: string;
  readonly oldState?: { readonly type?: string; readonly outputs?: Record<string, unknown> };
  readonly newState?: { readonly type?: string; readonly inputs?: Record<string, unknown> };
  readonly replaceReasons?: string[];
}

/** The recorder's step of a `pulumi preview --json` document. */
function recorderStep(stdout: string): PreviewStep {
  const steps = (JSON.parse(stdout) as { steps?: PreviewStep[] }).steps ?? [];
  const found = steps.filter((s) => s.urn?.endsWith(`::${RECORDER_TYPE}::recorder`));
  expect(found).toHaveLength(1);
  return found[0]!;
}

/** Whether version `v` (`3.68.0`) is at least `min`. */
function atLeast(v: string, min: string): boolean {
  const a = v.replace(/^v/, '').split('.').map(Number);
  const b = min.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}

/** The version of the Node language host the CLI runs, as `pulumi about` reports it. */
async function languageHostVersion(): Promise<string> {
  const about = JSON.parse(await pulumiOk(['about', '--json', '--stack', STACK])) as {
    plugins?: { name: string; kind: string; version?: string }[];
  };
  const host = (about.plugins ?? []).find((p) => p.kind === 'language' && p.name === 'nodejs');
  if (host?.version === undefined) throw new Error(`pulumi about names no nodejs language plugin`);
  return host.version;
}

let expectedClusters: ClustersFile;
/** The calls of the first `pulumi up`. */
let firstUp: RecordedCall[] = [];
let firstId: string;
let secondId: string;

beforeAll(async () => {
  requirePulumiCli();
  work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-features-')));
  stateDir = path.join(work, 'state');
  projectDir = path.join(work, 'project');
  callLog = path.join(work, 'calls.jsonl');
  fs.mkdirSync(stateDir);
  fs.mkdirSync(projectDir);
  // The probe sits in the node_modules of the project's parent directory: resolved from the project
  // directory it is found, resolved from this repository (where the provider's source is) it is not.
  const probe = path.join(work, 'node_modules', PROBE_MODULE);
  fs.mkdirSync(probe, { recursive: true });
  fs.writeFileSync(
    path.join(probe, 'package.json'),
    JSON.stringify({ name: PROBE_MODULE, main: 'index.js' }),
  );
  fs.writeFileSync(
    path.join(probe, 'index.js'),
    `module.exports = { marker: ${JSON.stringify(PROBE_MARKER)} };\n`,
  );
  // this repository's node_modules, so @pulumi/pulumi is the repository's copy (Node follows the link)
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(projectDir, 'node_modules'));
  fs.writeFileSync(path.join(projectDir, 'package.json'), JSON.stringify({ name: PROJECT, private: true }));
  // Runtime options that the v3.68 host does not receive from CLI v3.248: the `it` on TypeScript shows it.
  fs.writeFileSync(
    path.join(projectDir, 'Pulumi.yaml'),
    [
      `name: ${PROJECT}`,
      'description: the Pulumi features Ferry relies on (test/pulumi/features.it.test.ts)',
      'runtime:',
      '  name: nodejs',
      '  options:',
      '    typescript: true',
      '    tsconfig: tsconfig.pulumi.json',
      `    nodeargs: ${NODEARGS}`,
      '    packagemanager: npm',
      '',
    ].join('\n'),
  );
  // Two tsconfigs that differ in `target`, which the program can see (async functions native or not).
  // @pulumi/pulumi reads compilerOptions from the file itself (no `extends`) over its own defaults
  // (module and moduleResolution `nodenext`), so both set module and moduleResolution.
  const tsconfig = (target: string): string =>
    JSON.stringify({
      compilerOptions: {
        target,
        module: 'commonjs',
        moduleResolution: 'node',
        strict: true,
        esModuleInterop: true,
        noCheck: true,
      },
    });
  fs.writeFileSync(path.join(projectDir, 'tsconfig.json'), tsconfig('ES2022'));
  fs.writeFileSync(path.join(projectDir, 'tsconfig.pulumi.json'), tsconfig('ES2015'));
  // The program lives in the project directory, as in a user's project: the CLI starts the provider process
  // in the program's directory (that of Pulumi.yaml `main`), not in the one of Pulumi.yaml.
  fs.copyFileSync(path.join(FIXTURES, 'program.ts'), path.join(projectDir, 'index.ts'));
  fs.copyFileSync(path.join(FIXTURES, 'recorder.ts'), path.join(projectDir, 'recorder.ts'));
  const parsed = readClusters(inlinePrivateKeys(clusters(), readKey));
  if (typeof parsed === 'string') throw new Error(parsed);
  expectedClusters = parsed;
  await pulumiOk(['stack', 'init', STACK, '--no-select']); // every command names the stack: no workspace file
});

afterAll(() => {
  // the stack's resources exist only in its state, which is in `work`
  if (work !== undefined) fs.rmSync(work, { recursive: true, force: true });
});

describe('the Pulumi features Ferry relies on, with the installed CLI and language host', () => {
  it('structured config: `config set-all --path --secret`, read back by `config --json --show-secrets` as ferry plan parses it', async () => {
    const entries: ConfigEntry[] = [
      ...clustersConfigEntries(clusters(), readKey),
      { key: `${PROJECT}:settings.limits.cpu`, value: '2', secret: false },
      { key: `${PROJECT}:settings.limits.memory`, value: '1GiB', secret: false },
      { key: `${PROJECT}:settings.zones[0]`, value: 'a', secret: false },
      { key: `${PROJECT}:settings.zones[1]`, value: 'b', secret: false },
      { key: `${PROJECT}:credentials.user`, value: 'alice', secret: true },
      { key: `${PROJECT}:credentials.token`, value: TOKEN, secret: true },
      { key: `${PROJECT}:callLog`, value: callLog, secret: false },
      { key: `${PROJECT}:projectModule`, value: PROBE_MODULE, secret: false },
      { key: `${PROJECT}:zone`, value: 'a', secret: false },
      { key: `${PROJECT}:size`, value: '1', secret: false },
    ];
    const [cli, ...args] = setAllConfigArgv(STACK, entries);
    expect(cli).toBe('pulumi');
    await pulumiOk(args);

    type ConfigJson = Record<string, { value?: string; objectValue?: unknown; secret: boolean }>;
    const shown = JSON.parse(
      await pulumiOk(['config', '--json', '--show-secrets', '--stack', STACK]),
    ) as ConfigJson;
    expect(clustersFromConfigJson(shown)).toEqual(expectedClusters);
    const entry = shown['ferry:clusters']!;
    expect(entry.secret).toBe(true);
    expect(JSON.parse(entry.value!)).toEqual(entry.objectValue);
    expect(shown[`${PROJECT}:settings`]).toEqual({
      value: JSON.stringify(SETTINGS),
      objectValue: SETTINGS,
      secret: false,
    });
    expect(shown[`${PROJECT}:credentials`]?.objectValue).toEqual({ user: 'alice', token: TOKEN });

    // without --show-secrets an object holding a secret has no value at all: ferry plan needs the flag
    const hidden = JSON.parse(await pulumiOk(['config', '--json', '--stack', STACK])) as ConfigJson;
    expect(hidden['ferry:clusters']).toEqual({ secret: true });
    expect(() => clustersFromConfigJson(hidden)).toThrow(/ferry:clusters/);

    // the stack's config file keeps the secrets encrypted
    const stackFile = fs.readFileSync(path.join(projectDir, `Pulumi.${STACK}.yaml`), 'utf8');
    expect(stackFile).toContain('secure: v1:');
    expect(stackFile).not.toContain('PRIVATE KEY');
    expect(stackFile).not.toContain(TOKEN);
  });

  it("first `up`: the provider's configure reads that config with req.config.get (secrets decrypted), then check and create", async () => {
    const run = succeeded(await withCalls(up), 'up');
    firstUp = run.calls;
    expect(methods(run.calls)).toEqual(['configure', 'check', 'create']);
    const seen = only(run.calls, 'configure').config as Record<string, unknown>;
    const asObject = (v: unknown): unknown => (typeof v === 'string' ? JSON.parse(v) : v);
    expect(readClusters(seen['ferry:clusters'])).toEqual(expectedClusters);
    expect(asObject(seen[`${PROJECT}:settings`])).toEqual(SETTINGS);
    expect(asObject(seen[`${PROJECT}:credentials`])).toEqual({ user: 'alice', token: TOKEN });
    expect(only(run.calls, 'check').news).toEqual({ zone: 'a', size: 1 });
    const create = only(run.calls, 'create');
    expect(create.inputs).toEqual({ zone: 'a', size: 1 });
    expect(create.id).toMatch(/^a-/);
    firstId = create.id as string;
    expect((await recorderInState())?.id).toBe(firstId);
  });

  it("TypeScript: compiled with the project directory's tsconfig.json; the v3.68 host ignores Pulumi.yaml's runtime options, and the program runs", async () => {
    const host = await languageHostVersion();
    process.stderr.write(`[features] Node language host ${host}\n`);
    const out = await stackOutputs(false);
    // CLI v3.209+ sends runtime options only inside the RPC requests (ProgramInfo), which hosts read from
    // v3.97 on; an older host gets none, so it keeps its defaults: typescript on, tsconfig.json, no nodeargs.
    if (atLeast(host, '3.97.0')) {
      expect(out.compiledFor).toBe('below ES2017'); // tsconfig.pulumi.json
      expect(out.execArgv).toContain(NODEARGS);
    } else {
      expect(out.compiledFor).toBe('ES2017 or later'); // tsconfig.json
      expect(out.execArgv).not.toContain(NODEARGS);
    }
    // hosts pass --root-directory from v3.153 on; without it @pulumi/pulumi answers its placeholder
    expect(out.rootDirectory).toBe(atLeast(host, '3.153.0') ? projectDir : 'rootDirectory');
  });

  it('the program reads structured config with getObject and requireSecretObject', async () => {
    const out = await stackOutputs(true);
    expect(out.settingsSeen).toEqual(SETTINGS);
    expect(out.credentialsUser).toBe('alice');
  });

  it('the provider process runs in the project directory and loads a module resolved from process.cwd() with module.createRequire', async () => {
    expect(firstUp.length).toBeGreaterThan(0);
    for (const call of firstUp) expect(call.cwd).toBe(projectDir);
    expect(only(firstUp, 'create').probePath).toBe(path.join(work, 'node_modules', PROBE_MODULE, 'index.js'));
    expect((await stackOutputs(false)).probe).toBe(PROBE_MARKER);
    // found only through the project directory: not from where the provider's source lives
    const fromFixtures = createRequire(path.join(FIXTURES, 'recorder.ts'));
    expect(() => fromFixtures.resolve(PROBE_MODULE)).toThrow(`Cannot find module '${PROBE_MODULE}'`);
  });

  it('stack outputs: `stack output --json` hides the secret one, `--show-secrets` shows it, the state keeps it encrypted', async () => {
    const hidden = await stackOutputs(false);
    const shown = await stackOutputs(true);
    expect(hidden.credentialsUser).toBe('[secret]');
    expect(shown.credentialsUser).toBe('alice');
    expect(hidden).toEqual(expect.objectContaining({ recorderId: firstId, observed: 'created', size: 1 }));
    const state = stateFileText({ dir: work });
    expect(state).toContain('ciphertext');
    expect(state).not.toContain('alice');
  });

  it('`preview --json`: an in-place change is an `update` step with the fields ferry plan reads; preview calls check and diff only', async () => {
    await setConfig('size', '2');
    const run = succeeded(await withCalls(['preview', '--json', '--stack', STACK]), 'preview --json');
    const step = recorderStep(run.stdout);
    expect(step.op).toBe('update');
    expect(step.oldState?.type).toBe(RECORDER_TYPE);
    expect(step.newState?.type).toBe(RECORDER_TYPE);
    expect(step.oldState?.outputs).toEqual(
      expect.objectContaining({ zone: 'a', size: 1, observed: 'created' }),
    );
    expect(step.newState?.inputs).toEqual(expect.objectContaining({ zone: 'a', size: 2 }));
    expect(methods(run.calls)).toEqual(['configure', 'check', 'diff']);
    expect(only(run.calls, 'diff').result).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  it('`up` after that change: diff without replaces, then update (no create, no delete)', async () => {
    const run = succeeded(await withCalls(up), 'up');
    expect(methods(run.calls)).toEqual(['configure', 'check', 'diff', 'update']);
    const update = only(run.calls, 'update');
    expect(update.id).toBe(firstId);
    expect(update.olds).toEqual(expect.objectContaining({ zone: 'a', size: 1, observed: 'created' }));
    expect(update.news).toEqual({ zone: 'a', size: 2 });
    expect(await recorderInState()).toEqual({
      id: firstId,
      outputs: expect.objectContaining({ size: 2, observed: 'updated' }),
    });
  });

  it('`preview --json`: a change the diff replaces is a `replace` step naming the property', async () => {
    await setConfig('zone', 'b');
    const run = succeeded(await withCalls(['preview', '--json', '--stack', STACK]), 'preview --json');
    const step = recorderStep(run.stdout);
    expect(step.op).toBe('replace');
    expect(step.replaceReasons).toEqual(['zone']);
    expect(step.oldState?.outputs).toEqual(expect.objectContaining({ zone: 'a' }));
    expect(step.newState?.inputs).toEqual(expect.objectContaining({ zone: 'b' }));
    const diff = run.calls.find((c) => c.method === 'diff');
    expect(diff?.result).toEqual({ changes: true, replaces: ['zone'], deleteBeforeReplace: true });
    expect(methods(run.calls).filter((m) => m === 'create' || m === 'delete')).toEqual([]);
  });

  it('`up` replaces with deleteBeforeReplace: the old resource is deleted before the new one is created', async () => {
    const run = succeeded(await withCalls(up), 'up');
    expect(methods(run.calls).filter((m) => m === 'create' || m === 'delete' || m === 'update')).toEqual([
      'delete',
      'create',
    ]);
    expect(only(run.calls, 'delete').id).toBe(firstId);
    const create = only(run.calls, 'create');
    expect(create.inputs).toEqual({ zone: 'b', size: 2 });
    expect(create.id).toMatch(/^b-/);
    secondId = create.id as string;
    expect(await recorderInState()).toEqual({
      id: secondId,
      outputs: expect.objectContaining({ zone: 'b', observed: 'created', refreshed: 0 }),
    });
  });

  it('`refresh` calls read and stores the outputs it returns', async () => {
    const run = succeeded(
      await withCalls(['refresh', '--yes', '--skip-preview', '--stack', STACK]),
      'refresh',
    );
    const read = only(run.calls, 'read');
    expect(read.id).toBe(secondId);
    expect(read.props).toEqual(expect.objectContaining({ zone: 'b', refreshed: 0 }));
    expect((await recorderInState())?.outputs.refreshed).toBe(1);
  });

  it('a provider error fails `up` with a non-zero exit code and its message in the output; the state keeps the old outputs', async () => {
    await setConfig('failIn', 'update');
    await setConfig('size', '3');
    try {
      const run = await withCalls(up);
      expect(run.code).not.toBe(0);
      expect(run.output).toContain(`${FAILURE_MESSAGE} update`);
      expect(methods(run.calls)).toContain('update');
      expect((await recorderInState())?.outputs.size).toBe(2);
    } finally {
      await removeConfig('failIn');
    }
  });

  it('a program error fails `up` with a non-zero exit code and its message in the output; nothing is deleted', async () => {
    await setConfig('failProgram', 'true');
    try {
      const run = await withCalls(up);
      expect(run.code).not.toBe(0);
      expect(run.output).toContain('features: the program failed on purpose');
      expect(methods(run.calls)).not.toContain('delete');
      expect((await recorderInState())?.id).toBe(secondId);
    } finally {
      await removeConfig('failProgram');
    }
  });

  it('`destroy` calls delete', async () => {
    const run = succeeded(
      await withCalls(['destroy', '--yes', '--skip-preview', '--stack', STACK]),
      'destroy',
    );
    expect(methods(run.calls)).toEqual(['configure', 'delete']);
    const del = only(run.calls, 'delete');
    expect(del.id).toBe(secondId);
    expect(del.props).toEqual(expect.objectContaining({ zone: 'b', refreshed: 1 }));
    expect(await recorderInState()).toBeUndefined();
  });
});
