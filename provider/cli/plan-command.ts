/**
 * `ferry plan --stack S [--cwd DIR] [--markdown]`: what `pulumi up` would do to the containers of a stack.
 * Reads the stack's preview (`pulumi preview --json`) and config (`pulumi config --json --show-secrets`, for
 * `ferry:clusters`), finds the containers whose placement changes, measures each link (RTT from the source
 * host to the target's SSH banner) unless a recent measurement exists, reads each container's memory, and
 * prints per container: from -> to, strategy, rounds, predicted downtime, total time, bytes, and why.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import type { ClustersFile } from '../config/clusters';
import { InvalidInput, PrerequisiteMissing } from '../errors';
import { connectHost } from '../hosts/connect';
import { runText } from '../hosts/run';
import { planMigration } from '../model';
import { parseBandwidth, parseBytes, parseDuration, seconds } from '../units';
import { readClusters } from '../pulumi/config';
import { planningInputs, resolveHost, type HostTarget } from '../pulumi/engine-bridge';
import { readLinkCache, recentLink, recordLink } from '../pulumi/link-cache';
import {
  movesInPreview,
  plansToMarkdown,
  plansToText,
  type MovePlan,
  type PlannedMove,
  type Provenance,
} from '../pulumi/plan-moves';

/** Usage of `ferry plan`. */
export const PLAN_USAGE = `usage:
  ferry plan --stack S [--cwd DIR] [--markdown]
      [--preview-file F] [--config-file F]        use saved \`pulumi preview --json\` / \`pulumi config --json\` output
      [--rtt 50ms] [--bandwidth 100mbit]          impose link figures instead of measuring
      [--dirty-rate 2MiB]                         impose a dirty rate (bytes per second)
      [--max-age 1h]                              reuse link measurements up to this old (default 1h)
Prints, for every container whose placement changes: from -> to, strategy, rounds, predicted downtime,
total time, bytes on the wire, and why.`;

/** Bandwidth assumed when none is known, bytes/s (100 Mbit/s). */
const ASSUMED_BANDWIDTH = parseBandwidth('100mbit');
/** Dirty rate assumed when none is known, bytes/s. */
const ASSUMED_DIRTY = parseBytes('1MiB');
/** Memory assumed when it cannot be read, bytes. */
const ASSUMED_MEMORY = parseBytes('256MiB');

function pulumiJson(args: readonly string[], cwd: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    execFile(
      'pulumi',
      [...args],
      { cwd, env: process.env, maxBuffer: 256 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err !== null && stdout.trim() === '') {
          const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
          reject(
            missing
              ? new PrerequisiteMissing('pulumi', 'the Pulumi CLI is not on PATH', {
                  hint: 'run scripts/setup/pulumi-cli.sh',
                })
              : new Error(`pulumi ${args.join(' ')} failed: ${stderr.trim() || err.message}`),
          );
          return;
        }
        try {
          resolve(JSON.parse(stdout));
        } catch {
          reject(new Error(`pulumi ${args.join(' ')} did not print JSON: ${stdout.slice(0, 200)}`));
        }
      },
    );
  });
}

/** `ferry:clusters` from `pulumi config --json --show-secrets` output. */
export function clustersFromConfigJson(config: unknown): ClustersFile {
  const entry = (config as Record<string, { value?: string; objectValue?: unknown }> | null)?.[
    'ferry:clusters'
  ];
  const c = readClusters(entry?.objectValue ?? entry?.value);
  if (typeof c === 'string') throw new InvalidInput('ferry:clusters', '(stack config)', c);
  return c;
}

/**
 * Median time from `from` to connect to the SSH server at `address:port` and read its banner, seconds: an
 * estimate of the link's RTT (the banner has to cross the link; a relay that accepts locally still delays it).
 */
async function probeRtt(from: HostTarget, address: string, port: number): Promise<number> {
  await using h = await connectHost(from.host);
  const script =
    'for i in 1 2 3 4 5; do s=$(date +%s%N); exec 3<>"/dev/tcp/$1/$2" || exit 3; read -r -t 10 line <&3 || exit 4; e=$(date +%s%N); exec 3<&-; echo $((e - s)); done';
  const out = await runText(h.shell, ['bash', '-c', script, 'bash', address, String(port)], {
    timeout: seconds(30),
  });
  const ns = out
    .split('\n')
    .map(Number)
    .filter((n) => n > 0)
    .sort((a, b) => a - b);
  if (ns.length === 0)
    throw new Error(`no answer from ${address}:${port} seen from ${from.cluster}/${from.host.name}`);
  return ns[Math.floor(ns.length / 2)]! / 1e9;
}

/** Resident memory of the container's init process (VmRSS), bytes; `undefined` when it cannot be read. */
async function containerMemory(where: HostTarget, name: string): Promise<number | undefined> {
  try {
    await using h = await connectHost(where.host);
    const info = await h.runtime.inspect(name);
    if (info === undefined || info.pid === 0) return undefined;
    const status = await runText(h.shell, ['cat', `/proc/${info.pid}/status`], { timeout: seconds(15) });
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Runs `ferry plan <argv>`; resolves the exit code. */
export async function planCommand(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      stack: { type: 'string' },
      cwd: { type: 'string' },
      markdown: { type: 'boolean' },
      'preview-file': { type: 'string' },
      'config-file': { type: 'string' },
      rtt: { type: 'string' },
      bandwidth: { type: 'string' },
      'dirty-rate': { type: 'string' },
      'max-age': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${PLAN_USAGE}\n`);
    return 0;
  }
  const cwd = values.cwd ?? process.cwd();
  if (
    values.stack === undefined &&
    (values['preview-file'] === undefined || values['config-file'] === undefined)
  ) {
    process.stderr.write(`${PLAN_USAGE}\n`);
    return 2;
  }
  const stackArgs = values.stack !== undefined ? ['--stack', values.stack] : [];
  const readJson = (f: string): unknown => JSON.parse(fs.readFileSync(f, 'utf8'));
  const [preview, config] = await Promise.all([
    values['preview-file'] !== undefined
      ? readJson(values['preview-file'])
      : pulumiJson(['preview', '--json', ...stackArgs], cwd),
    values['config-file'] !== undefined
      ? readJson(values['config-file'])
      : pulumiJson(['config', '--json', '--show-secrets', ...stackArgs], cwd),
  ]);
  const clusters = clustersFromConfigJson(config);
  const moves = movesInPreview(preview);
  const maxAge = parseDuration(values['max-age'] ?? '1h', '--max-age');
  const givenRtt = values.rtt !== undefined ? parseDuration(values.rtt, '--rtt') : undefined;
  const givenBandwidth =
    values.bandwidth !== undefined ? parseBandwidth(values.bandwidth, '--bandwidth') : undefined;
  const givenDirty =
    values['dirty-rate'] !== undefined ? parseBytes(values['dirty-rate'], '--dirty-rate') : undefined;
  const cache = readLinkCache();
  const plans: MovePlan[] = [];
  for (const move of moves) plans.push(await planOne(move));
  process.stdout.write(values.markdown ? plansToMarkdown(plans) : plansToText(plans));
  return 0;

  async function planOne(move: PlannedMove): Promise<MovePlan> {
    const source = await resolveHost(clusters, move.from.cluster, move.from.host);
    const target = await resolveHost(clusters, move.to.cluster, move.to.host);
    const recent = recentLink(cache, source.cluster, target.cluster, maxAge);
    let rtt: { value: number; source: Provenance };
    if (givenRtt !== undefined) rtt = { value: givenRtt, source: 'given' };
    else if (recent !== undefined) rtt = { value: recent.rttSeconds, source: 'recent measurement' };
    else {
      const peer = source.host.peers?.[`${target.cluster}/${target.host.name}`];
      const value = await probeRtt(
        source,
        peer?.address ?? target.host.address,
        peer?.port ?? target.host.port,
      );
      recordLink(source.cluster, target.cluster, {
        rttSeconds: value,
        measuredAt: new Date().toISOString(),
        source: 'ferry plan probe',
      });
      rtt = { value, source: 'measured now' };
    }
    const bandwidth: { value: number; source: Provenance } =
      givenBandwidth !== undefined
        ? { value: givenBandwidth, source: 'given' }
        : recent?.bandwidthBytesPerSecond !== undefined
          ? { value: recent.bandwidthBytesPerSecond, source: 'recent measurement' }
          : { value: ASSUMED_BANDWIDTH, source: 'assumed' };
    const mem = await containerMemory(source, move.name);
    const memory: { value: number; source: Provenance } =
      mem !== undefined
        ? { value: mem, source: 'measured now' }
        : { value: ASSUMED_MEMORY, source: 'assumed' };
    const dirtyRate: { value: number; source: Provenance } =
      givenDirty !== undefined
        ? { value: givenDirty, source: 'given' }
        : move.last !== undefined
          ? { value: move.last.dirtyRateBytesPerSecond, source: 'last migration' }
          : { value: ASSUMED_DIRTY, source: 'assumed' };
    const inputs = await planningInputs({
      memory: memory.value,
      dirtyRate: dirtyRate.value,
      rtt: rtt.value,
      bandwidth: bandwidth.value,
      policy: move.policy,
    });
    return { move, toHost: target.host.name, plan: planMigration(inputs), memory, dirtyRate, rtt, bandwidth };
  }
}
