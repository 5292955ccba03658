/**
 * Phase 1, preflight: gathers facts on both hosts and about the container, judges them
 * (`preflight-checks.ts`), and prepares what later phases need: the pagedelta binary on both hosts
 * (uploaded under a checksum name into each work directory) and the migration directories.
 * A failed preflight moves nothing.
 */
import * as fs from 'node:fs/promises';
import { PreflightFailed } from '../../errors';
import { dockerHostArgv } from '../../hosts/commands/docker-cli';
import { criuCheckArgv, criuVersionArgv, parseCriuVersion } from '../../hosts/commands/criu';
import { dfAvailArgv, parseDfAvail } from '../../hosts/commands/files';
import { runcVersionArgv } from '../../hosts/commands/runc';
import type { ConnectedHost } from '../../hosts/connect';
import type { ContainerInfo } from '../../hosts/container-runtime';
import { bytes } from '../../units';
import { buildNative } from './native-build';
import { pagedeltaSourcePath } from '../precopy/pagedelta';
import {
  countEstablished,
  networkToCreate,
  parseCpuFlags,
  parseListening,
  RUNC_CRIU_CONF,
  runcConfHasTcpClose,
  parseVmRss,
  preflightProblems,
  type ContainerFacts,
  type HostFacts,
} from './preflight-checks';
import { writeRemoteFile } from '../data-path/remote';
import { mkdirs } from '../precopy/rounds';
import { SHORT_STEP } from '../timeouts';

/** What preflight hands on. */
export interface PreflightResult {
  /** The source container as inspected. */
  readonly container: ContainerInfo;
  /** Facts of the source host. */
  readonly sourceFacts: HostFacts;
  /** Facts of the target host. */
  readonly targetFacts: HostFacts;
  /** Container facts. */
  readonly containerFacts: ContainerFacts;
  /** pagedelta binary path on the source. */
  readonly sourcePagedelta: string;
  /** pagedelta binary path on the target. */
  readonly targetPagedelta: string;
  /** Whether the target engine has the container's image (by id). */
  readonly imageOnTarget: boolean;
  /** Migration directory on the source (created). */
  readonly sourceDir: string;
  /** Migration directory on the target (created). */
  readonly targetDir: string;
}

/** Inputs of {@link preflight}. */
export interface PreflightInput {
  /** Migration id. */
  readonly migrationId: string;
  /** Container name or id on the source. */
  readonly container: string;
  /** Connected source and its label. */
  readonly source: ConnectedHost;
  /** `cluster/host` of the source. */
  readonly sourceLabel: string;
  /** Connected target. */
  readonly target: ConnectedHost;
  /** `cluster/host` of the target. */
  readonly targetLabel: string;
}

/** Runs preflight. @throws PreflightFailed listing every problem with its fix. */
export async function preflight(i: PreflightInput): Promise<PreflightResult> {
  const runningOn = i.sourceLabel;
  const container = await i.source.runtime.inspect(i.container);
  if (container === undefined) {
    throw new PreflightFailed(`no container "${i.container}" on ${i.sourceLabel}`, undefined, {
      hint: 'check the name with docker ps on the source',
    });
  }
  const [sourceFacts, targetFacts] = await Promise.all([
    hostFacts(i.source, i.sourceLabel),
    hostFacts(i.target, i.targetLabel),
  ]);
  const containerFacts = await gatherContainerFacts(i, container);
  const problems = preflightProblems(sourceFacts, targetFacts, containerFacts);
  if (problems.length > 0) {
    throw new PreflightFailed(
      `${problems.length} problem(s):\n${problems.map((p) => `  - ${p.what} (fix: ${p.fix})`).join('\n')}`,
      runningOn,
    );
  }
  // a local bridge network the target lacks is made there like the source's (the engine picks addresses)
  for (const n of containerFacts.networks)
    if (networkToCreate(n)) await i.target.runtime.createNetwork(n.source!);
  const imageOnTarget = await i.target.runtime.imageExists(container.imageId);
  if (!imageOnTarget) await checkDockerCli([i.source, i.target], [i.sourceLabel, i.targetLabel], runningOn);
  const bin = await buildNative(pagedeltaSourcePath());
  const content = await fs.readFile(bin.path);
  const [sourcePagedelta, targetPagedelta] = await Promise.all([
    upload(i.source, content, bin.hash),
    upload(i.target, content, bin.hash),
  ]);
  const sourceDir = `${i.source.config.workDir}/ferry-${i.migrationId}`;
  const targetDir = `${i.target.config.workDir}/ferry-${i.migrationId}`;
  await mkdirs(i.source.shell, `${sourceDir}/rounds`);
  await mkdirs(i.target.shell, `${targetDir}/rounds`);
  return {
    container,
    sourceFacts,
    targetFacts,
    containerFacts,
    sourcePagedelta,
    targetPagedelta,
    imageOnTarget,
    sourceDir,
    targetDir,
  };
}

/**
 * The image must be sent (`docker save` on the source, `load` on the target): both hosts need the docker
 * CLI beside their engine. @throws PreflightFailed naming the hosts without it.
 */
async function checkDockerCli(
  hosts: readonly ConnectedHost[],
  labels: readonly string[],
  runningOn: string,
): Promise<void> {
  const missing: string[] = [];
  for (const [k, h] of hosts.entries()) {
    const argv = [...dockerHostArgv(h.config.dockerSocket), 'version', '--format', '{{.Client.Version}}'];
    if ((await h.shell.exec(argv, { timeout: SHORT_STEP })).exitCode !== 0) missing.push(labels[k]!);
  }
  if (missing.length > 0) {
    throw new PreflightFailed(
      `the target lacks the container's image and ${missing.join(' and ')} cannot run the docker CLI to move it`,
      runningOn,
      {
        hint: 'install the docker CLI beside the engine (Debian: docker.io), or load the image on the target first',
      },
    );
  }
}

/** Uploads the pagedelta binary to `<workDir>/pagedelta-<hash16>` unless it is already there. */
async function upload(host: ConnectedHost, content: Buffer, hash: string): Promise<string> {
  const file = `${host.config.workDir}/pagedelta-${hash.slice(0, 16)}`;
  const probe = await host.shell.exec(['test', '-x', file], { timeout: SHORT_STEP });
  if (probe.exitCode === 0) return file;
  await mkdirs(host.shell, host.config.workDir);
  await writeRemoteFile(host.shell, file, content, '755', SHORT_STEP);
  return file;
}

async function tryText(host: ConnectedHost, argv: readonly string[]): Promise<string | undefined> {
  const r = await host.shell.exec(argv, { timeout: SHORT_STEP });
  return r.exitCode === 0 ? r.stdout.toString('utf8') : undefined;
}

async function hostFacts(host: ConnectedHost, label: string): Promise<HostFacts> {
  // one command at a time: several sessions at once on one connection were seen to drop it (test bed)
  const argvs: readonly (readonly string[])[] = [
    criuVersionArgv(),
    criuCheckArgv(),
    criuCheckArgv('mem_dirty_track'),
    criuCheckArgv('uffd-noncoop'),
    runcVersionArgv(),
    ['uname', '-r'],
    ['stat', '-fc', '%T', '/sys/fs/cgroup'],
    ['head', '-c', '65536', '/proc/cpuinfo'],
    ['sh', '-c', 'cat "$1" 2>/dev/null; true', 'sh', RUNC_CRIU_CONF],
    [
      'sh',
      '-c',
      'mkdir -p "$1" && shift && exec "$@"',
      'sh',
      host.config.workDir,
      ...dfAvailArgv(host.config.workDir),
    ],
  ];
  const facts: (string | undefined)[] = [];
  for (const argv of argvs) facts.push(await tryText(host, argv));
  const [criuV, criuOk, dirty, uffd, runcV, kernel, cgroupFs, cpuinfo, runcConf, df] = facts;

  let engineVersion: string | undefined;
  let experimental = false;
  try {
    const v = await host.runtime.version({ timeout: SHORT_STEP });
    engineVersion = v.version;
    experimental = v.experimental;
  } catch {
    engineVersion = undefined;
  }
  let criuVersion: string | undefined;
  try {
    criuVersion = criuV === undefined ? undefined : parseCriuVersion(criuV).text;
  } catch {
    criuVersion = undefined;
  }
  return {
    label,
    criuVersion,
    criuCheck: criuOk !== undefined,
    dirtyTracking: dirty !== undefined,
    uffd: uffd !== undefined,
    runcVersion: runcV?.split('\n')[0],
    engineVersion,
    experimental,
    kernel: (kernel ?? '').trim(),
    cgroupFs: (cgroupFs ?? '').trim(),
    cpuFlags: parseCpuFlags(cpuinfo ?? ''),
    tcpClose: runcConfHasTcpClose(runcConf ?? ''),
    freeDisk: df === undefined ? bytes(0) : parseDfAvail(df),
  };
}

async function gatherContainerFacts(i: PreflightInput, c: ContainerInfo): Promise<ContainerFacts> {
  let establishedTcp = 0;
  let memoryEstimate = bytes(0);
  if (c.state === 'running' && c.pid > 0) {
    const tcp = await tryText(i.source, [
      'sh',
      '-c',
      'cat "/proc/$1/net/tcp" "/proc/$1/net/tcp6" 2>/dev/null; true',
      'sh',
      String(c.pid),
    ]);
    establishedTcp = countEstablished(tcp ?? '');
    memoryEstimate = parseVmRss((await tryText(i.source, ['cat', `/proc/${c.pid}/status`])) ?? '');
  }
  const missingBindSources: string[] = [];
  for (const m of c.mounts.filter((x) => x.type === 'bind')) {
    const r = await i.target.shell.exec(['test', '-e', m.source], { timeout: SHORT_STEP });
    if (r.exitCode !== 0) missingBindSources.push(m.source);
  }
  const onTarget = await i.target.runtime.inspect(c.name);
  const ports = c.spec.hostConfig?.ports ?? [];
  const listening = ports.length > 0 ? await tryText(i.target, ['ss', '-H', '-l', '-n', '-t', '-u']) : '';
  return {
    state: c.state,
    establishedTcp,
    missingBindSources,
    nameTakenOnTarget: onTarget !== undefined,
    memoryEstimate,
    carryProblems: c.carryProblems,
    networks: await Promise.all(
      (c.spec.networks ?? []).map(async (n) => ({
        name: n.name,
        source: await i.source.runtime.inspectNetwork(n.name),
        onTarget: (await i.target.runtime.inspectNetwork(n.name)) !== undefined,
      })),
    ),
    networkMode: c.spec.hostConfig?.networkMode ?? '',
    ports,
    listeningOnTarget: listening === undefined ? undefined : parseListening(listening),
  };
}
