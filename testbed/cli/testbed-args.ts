/** Argument parsing of `ferry testbed ...` (pure). */
import { parseArgs } from 'node:util';
import { InvalidInput } from '../../provider/errors';
import { parseLinkSettings, type CutMode, type LinkSettings } from '../link-settings';

/** Usage text of `ferry testbed`. */
export const TESTBED_USAGE = `usage:
  ferry testbed up [--clusters N] [--rtt 50ms] [--bandwidth 100mbit] [--extra-port P]... [--no-workload] [--json]
      build the bed (2..4 clusters; default 2), or check a running one and apply the given link settings
  ferry testbed status [--json] [--no-measure]
      daemons per cluster; per link the set and the measured RTT and throughput (about 4 s per link)
  ferry testbed link <a> <b> [--rtt 20ms] [--bandwidth 1gbit] [--cut | --blackhole | --restore]
      change one link live; --cut resets its connections and refuses new ones, --blackhole makes them hang,
      --restore undoes either. Clusters: cluster-a, a or 1.
  ferry testbed exec <cluster> -- <program> [args...]
      run a program on a cluster's host (in its network namespace), e.g. redis-cli against a service
  ferry testbed down
      remove everything the bed created
state dir: $FERRY_TESTBED_DIR or /var/lib/ferry/testbed`;

/** A parsed `ferry testbed` command. */
export type TestbedCommand =
  | { readonly kind: 'help' }
  | {
      readonly kind: 'up';
      readonly clusters?: number;
      readonly settings: Partial<LinkSettings>;
      readonly extraPorts: number[];
      readonly workload: boolean;
      readonly json: boolean;
    }
  | { readonly kind: 'down'; readonly json: boolean }
  | { readonly kind: 'exec'; readonly cluster: string; readonly argv: readonly string[] }
  | { readonly kind: 'status'; readonly json: boolean; readonly measure: boolean }
  | {
      readonly kind: 'link';
      readonly a: string;
      readonly b: string;
      readonly settings: Partial<LinkSettings>;
      readonly cut?: CutMode;
      readonly json: boolean;
    };

const OPTIONS = {
  clusters: { type: 'string' },
  rtt: { type: 'string' },
  bandwidth: { type: 'string' },
  'extra-port': { type: 'string', multiple: true },
  'no-workload': { type: 'boolean' },
  'no-measure': { type: 'boolean' },
  json: { type: 'boolean' },
  cut: { type: 'boolean' },
  blackhole: { type: 'boolean' },
  restore: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const ALLOWED: Record<string, readonly string[]> = {
  up: ['clusters', 'rtt', 'bandwidth', 'extra-port', 'no-workload', 'json'],
  down: ['json'],
  status: ['json', 'no-measure'],
  link: ['rtt', 'bandwidth', 'cut', 'blackhole', 'restore', 'json'],
};

/** `exec <cluster> -- <program> [args...]`: everything after `--` is the argv, untouched. */
function parseExec(rest: readonly string[]): TestbedCommand {
  const sep = rest.indexOf('--');
  const [cluster, ...extra] = sep < 0 ? rest : rest.slice(0, sep);
  const argv = sep < 0 ? [] : rest.slice(sep + 1);
  if (cluster === undefined || extra.length > 0 || argv.length === 0)
    throw new InvalidInput('testbed exec', rest.join(' '), '<cluster> -- <program> [args...]');
  return { kind: 'exec', cluster, argv };
}

function integer(text: string, field: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max)
    throw new InvalidInput(field, text, `a whole number from ${min} to ${max}`);
  return n;
}

/**
 * Parses the arguments after `ferry testbed`.
 * @throws InvalidInput naming the offending argument.
 */
export function parseTestbedArgs(argv: readonly string[]): TestbedCommand {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === 'help' || sub === '--help' || sub === '-h') return { kind: 'help' };
  if (sub === 'exec') return parseExec(rest);
  const allowed = ALLOWED[sub];
  if (allowed === undefined) throw new InvalidInput('subcommand', sub, 'one of up, down, status, link, exec');
  let parsed: ReturnType<
    typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; args: string[] }>
  >;
  try {
    parsed = parseArgs({ args: [...rest], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    throw new InvalidInput(
      `testbed ${sub} arguments`,
      rest.join(' '),
      `valid options (${(e as Error).message})`,
    );
  }
  const v = parsed.values;
  if (v.help) return { kind: 'help' };
  for (const k of Object.keys(v)) {
    if (!allowed.includes(k))
      throw new InvalidInput(`testbed ${sub}`, `--${k}`, `one of ${allowed.map((a) => `--${a}`).join(', ')}`);
  }
  const pos = parsed.positionals;
  if (sub !== 'link' && pos.length > 0)
    throw new InvalidInput(`testbed ${sub}`, pos.join(' '), 'no positional arguments');
  const json = v.json === true;
  const settings = parseLinkSettings({
    ...(v.rtt !== undefined ? { rtt: v.rtt } : {}),
    ...(v.bandwidth !== undefined ? { bandwidth: v.bandwidth } : {}),
  });
  switch (sub) {
    case 'up':
      return {
        kind: 'up',
        ...(v.clusters !== undefined ? { clusters: integer(v.clusters, 'clusters', 2, 4) } : {}),
        settings,
        extraPorts: (v['extra-port'] ?? []).map((p) => integer(p, 'extra-port', 1, 65535)),
        workload: v['no-workload'] !== true,
        json,
      };
    case 'down':
      return { kind: 'down', json };
    case 'status':
      return { kind: 'status', json, measure: v['no-measure'] !== true };
    default: {
      if (pos.length !== 2)
        throw new InvalidInput('testbed link', pos.join(' '), 'two clusters, e.g. `cluster-a cluster-b`');
      const flags = [v.cut, v.blackhole, v.restore].filter((f) => f === true).length;
      if (flags > 1)
        throw new InvalidInput(
          'testbed link',
          rest.join(' '),
          'at most one of --cut, --blackhole, --restore',
        );
      const cut: CutMode | undefined = v.cut
        ? 'reset'
        : v.blackhole
          ? 'blackhole'
          : v.restore
            ? 'none'
            : undefined;
      if (cut === undefined && settings.rtt === undefined && settings.bandwidth === undefined) {
        throw new InvalidInput(
          'testbed link',
          rest.join(' '),
          'something to change: --rtt, --bandwidth, --cut, --blackhole or --restore',
        );
      }
      return { kind: 'link', a: pos[0]!, b: pos[1]!, settings, ...(cut !== undefined ? { cut } : {}), json };
    }
  }
}
