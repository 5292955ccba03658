/**
 * Ferry as a user gets it: `npm pack` of a copy of this checkout, `npm install <tarball>` into a new Pulumi
 * TypeScript project in a temporary directory outside the repository, `import { Container } from
 * '@ferry/pulumi'`, then with the real Pulumi CLI on the test bed: `up` on cluster-a, delete the copy the
 * package was packed from, move to cluster-b with `up`, `refresh`, `destroy`. The stack never names the
 * checkout, so it keeps working when the sources are gone.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalWorkspace, type Stack } from '@pulumi/pulumi/automation';
import { connectHost } from '../../provider/hosts/connect';
import { RESOURCE_LABEL } from '../../provider/pulumi/outputs';
import { clustersConfigEntries } from '../../provider/pulumi/stack-config';
import type { Testbed } from '../../testbed';
import { ensureTestbed, hostOf } from '../support/testbed-fixture';
import { REPO, pulumiEnv, requirePulumiCli } from './support/pulumi-project';

jest.setTimeout(20 * 60_000);

const PROJECT = 'ferry-user-project';
const log = (line: string): void => {
  process.stderr.write(`[package e2e] ${line}\n`);
};

/** The user's program: one counter whose cluster comes from the stack config. */
const PROGRAM = `import * as pulumi from '@pulumi/pulumi';
import { Container } from '@ferry/pulumi';

const config = new pulumi.Config();
const counter = new Container('counter', {
  name: config.require('containerName'),
  image: 'ferry/dirtier:latest',
  command: ['/bin/dirtier', '--mib', '16', '--dirty-mib-s', '1', '--tick-ms', '100', '--verify-every', '10'],
  placement: { cluster: config.require('cluster') },
  migration: { targetDowntime: '300ms', timeout: '10m', extraDowntimeAcceptable: true },
});
export const runsOn = pulumi.interpolate\`\${counter.cluster}/\${counter.host}\`;
export const lastMigration = counter.lastMigration;
`;

/** The version of a devDependency of this repository, for the user project's own. */
function repoDevVersion(name: string): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
    devDependencies: Record<string, string>;
  };
  const v = pkg.devDependencies[name];
  if (v === undefined) throw new Error(`package.json has no devDependency ${name}`);
  return v;
}

/** Runs a command, echoing it; returns stdout. */
function sh(cmd: string, args: string[], cwd: string): string {
  log(`$ (cd ${cwd} && ${cmd} ${args.join(' ')})`);
  return execFileSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 600_000,
  });
}

/** A copy of the checkout's files (tracked and new, not ignored) with the repository's node_modules linked. */
function copyCheckout(to: string): void {
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], {
    cwd: REPO,
    encoding: 'utf8',
  })
    .split('\0')
    .filter((f) => f !== '' && fs.existsSync(path.join(REPO, f)));
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(to, f)), { recursive: true });
    fs.copyFileSync(path.join(REPO, f), path.join(to, f));
    fs.chmodSync(path.join(to, f), fs.statSync(path.join(REPO, f)).mode);
  }
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(to, 'node_modules'));
}

async function containersOn(bed: Testbed, cluster: string, name: string): Promise<string[]> {
  await using h = await connectHost(hostOf(bed, cluster));
  return (await h.runtime.list({ labels: { [RESOURCE_LABEL]: name } })).map((c) => c.state);
}

let bed: Testbed;
let work: string;
let stack: Stack | undefined;
const name = `pkg-e2e-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  requirePulumiCli();
  bed = await ensureTestbed();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-package-e2e-'));
});

afterAll(async () => {
  await stack?.destroy().catch(() => undefined);
  for (const cluster of ['cluster-a', 'cluster-b']) {
    await using h = await connectHost(hostOf(bed, cluster));
    for (const c of await h.runtime.list({ labels: { [RESOURCE_LABEL]: name } }))
      await h.runtime.remove(c.id, { force: true });
  }
  if (work !== undefined) fs.rmSync(work, { recursive: true, force: true });
});

describe('the npm package in a new Pulumi project', () => {
  it('pack, install, up, (sources deleted), move, refresh, destroy', async () => {
    // 1. pack a copy of the checkout
    const source = path.join(work, 'ferry-checkout-copy');
    copyCheckout(source);
    const packed = sh('npm', ['pack', '--pack-destination', work, '--json'], source);
    const [info] = JSON.parse(packed.slice(packed.indexOf('[\n'))) as {
      filename: string;
      size: number;
      entryCount: number;
    }[];
    const tarball = path.join(work, path.basename(info!.filename));
    log(`tarball ${path.basename(tarball)}: ${info!.size} bytes, ${info!.entryCount} files`);
    expect(path.basename(tarball)).toMatch(/^ferry-pulumi-\d+\.\d+\.\d+\.tgz$/);

    // 2. a new Pulumi TypeScript project that installs it
    const dir = path.join(work, 'project');
    fs.mkdirSync(path.join(dir, 'state'), { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'package.json'),
      JSON.stringify(
        {
          name: PROJECT,
          private: true,
          dependencies: { '@ferry/pulumi': `file:${tarball}`, '@pulumi/pulumi': '3.248.0' },
          devDependencies: {
            typescript: repoDevVersion('typescript'),
            'ts-node': repoDevVersion('ts-node'),
            '@types/node': repoDevVersion('@types/node'),
          },
        },
        null,
        2,
      ),
    );
    fs.writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { strict: true, target: 'ES2022', module: 'commonjs', esModuleInterop: true },
      }),
    );
    fs.writeFileSync(
      path.join(dir, 'Pulumi.yaml'),
      `name: ${PROJECT}\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n`,
    );
    fs.writeFileSync(path.join(dir, 'index.ts'), PROGRAM);
    sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], dir);
    // its ferry command runs from the installed package, test bed included
    expect(sh(path.join(dir, 'node_modules', '.bin', 'ferry'), ['--help'], dir)).toMatch(
      /testbed[\s\S]*migrate[\s\S]*stack-config/,
    );
    // loading the package loads neither ssh2 nor dockerode
    const loaded = sh(
      process.execPath,
      [
        '-e',
        "require('@ferry/pulumi'); process.stdout.write(JSON.stringify(Object.keys(require.cache).filter((k) => /node_modules\\/(ssh2|dockerode)\\//.test(k))))",
      ],
      dir,
    );
    expect(JSON.parse(loaded)).toEqual([]);

    // 3. a stack on the test bed
    stack = await LocalWorkspace.createStack(
      { stackName: 'e2e', workDir: dir },
      { workDir: dir, envVars: pulumiEnv(path.join(dir, 'state')) },
    );
    const entries = clustersConfigEntries(bed.clusters);
    await stack.setAllConfig(
      Object.fromEntries(entries.map((e) => [e.key, { value: e.value, secret: e.secret }])),
      true,
    );
    await stack.setAllConfig({
      [`${PROJECT}:containerName`]: { value: name },
      [`${PROJECT}:cluster`]: { value: 'cluster-a' },
    });
    const out = (o: string): void => {
      process.stdout.write(o);
    };

    const up1 = await stack.up({ onOutput: out });
    expect(up1.outputs.runsOn?.value).toBe('cluster-a/host-1');
    expect(await containersOn(bed, 'cluster-a', name)).toEqual(['running']);

    // 4. the sources the package came from are gone (as if the checkout were moved or deleted)
    fs.rmSync(source, { recursive: true, force: true });
    fs.rmSync(tarball);
    await new Promise((r) => setTimeout(r, 3000));

    await stack.setConfig(`${PROJECT}:cluster`, { value: 'cluster-b' });
    const up2 = await stack.up({ onOutput: out });
    expect(up2.summary.result).toBe('succeeded');
    expect(up2.summary.resourceChanges).toEqual(expect.objectContaining({ update: 1 }));
    expect(up2.outputs.runsOn?.value).toBe('cluster-b/host-1');
    const last = up2.outputs.lastMigration?.value as { measured: { downtimeSeconds: number } };
    expect(last.measured.downtimeSeconds).toBeGreaterThan(0);
    log(`moved: downtime ${last.measured.downtimeSeconds} s`);
    expect(await containersOn(bed, 'cluster-a', name)).toEqual([]);
    expect(await containersOn(bed, 'cluster-b', name)).toEqual(['running']);

    const r = await stack.refresh({ onOutput: out });
    expect(r.summary.resourceChanges).toEqual({ same: 2 });

    // the state names neither the deleted copy nor this checkout
    const state = JSON.stringify((await stack.exportStack()).deployment);
    expect(state).not.toContain(source);
    expect(state).not.toContain(REPO);

    const d = await stack.destroy({ onOutput: out });
    expect(d.summary.resourceChanges).toEqual(expect.objectContaining({ delete: 2 }));
    stack = undefined;
    expect(await containersOn(bed, 'cluster-a', name)).toEqual([]);
    expect(await containersOn(bed, 'cluster-b', name)).toEqual([]);
  });
});
