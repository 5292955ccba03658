/**
 * The `ferry` command line: dispatches `ferry <subcommand> ...` to a module. To add a subcommand, add one
 * entry to {@link SUBCOMMANDS} that loads a function `(argv, context) => Promise<exit code>`. Other
 * packages (the test bed) add theirs through {@link CliExtension}; this package knows none of them.
 */
import { FerryError } from '../errors';
import { clustersFileFromEnv } from '../config/clusters-file';

/** What every subcommand may rely on besides its arguments. */
export interface CliContext {
  /** The clusters file to use when `--clusters-file` is not given, if anything names one. */
  readonly defaultClustersFile: string | undefined;
}

/** A subcommand: receives the arguments after its name, resolves the process exit code. */
export type Subcommand = (argv: readonly string[], context: CliContext) => Promise<number>;

/** A subcommand's entry: one summary line, and a loader so each costs nothing until used. */
export interface SubcommandEntry {
  /** One line for `ferry --help`. */
  readonly summary: string;
  /** Loads the subcommand's module. */
  readonly load: () => Promise<Subcommand>;
}

/** What a launcher adds to the CLI: more subcommands, and a fallback clusters file. */
export interface CliExtension {
  /** Extra subcommands by name (they may not replace Ferry's own). */
  readonly subcommands?: Readonly<Record<string, SubcommandEntry>>;
  /** The clusters file to use when neither `--clusters-file` nor `FERRY_CLUSTERS_FILE` names one. */
  readonly defaultClustersFile?: string;
}

/** Ferry's own subcommands by name. */
export const SUBCOMMANDS: Readonly<Record<string, SubcommandEntry>> = {
  plan: {
    summary: 'what `pulumi up` would migrate: from -> to, strategy, downtime, time, bytes',
    load: async () => (await import('./plan-command')).planCommand,
  },
  migrate: {
    summary: 'live-migrate a container between clusters (see ferry migrate --help)',
    load: async () => (await import('./migrate-command')).migrateCommand,
  },
  'stack-config': {
    summary: "write a clusters file into a Pulumi stack's ferry:clusters config (keys as secrets)",
    load: async () => (await import('./stack-config-command')).stackConfigCommand,
  },
  calibrate: {
    summary: 'fit a calibration profile of the planner to the reports of past migrations',
    load: async () => (await import('./calibrate-command')).calibrateCommand,
  },
};

/** The top-level usage text for a set of subcommands. */
export function usage(subcommands: Readonly<Record<string, SubcommandEntry>> = SUBCOMMANDS): string {
  const rows = Object.entries(subcommands).map(([name, s]) => `  ${name.padEnd(12)} ${s.summary}`);
  return [
    'usage: ferry <command> [options]',
    '',
    'commands:',
    ...rows,
    '',
    'ferry <command> --help for details',
  ].join('\n');
}

/** Ferry's subcommands merged with an extension's; Ferry's own win a name clash. */
export function mergedSubcommands(extension: CliExtension): Readonly<Record<string, SubcommandEntry>> {
  return { ...(extension.subcommands ?? {}), ...SUBCOMMANDS };
}

/**
 * Runs the CLI with `argv` (the arguments after `ferry`).
 * @returns the exit code: 0 ok, 1 a Ferry error (message and hint printed), 2 usage error or a bug.
 */
export async function runCli(argv: readonly string[], extension: CliExtension = {}): Promise<number> {
  quietOnClosedStdout();
  const subcommands = mergedSubcommands(extension);
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage(subcommands)}\n`);
    return name === undefined ? 2 : 0;
  }
  const sub = subcommands[name];
  if (sub === undefined) {
    process.stderr.write(`ferry: unknown command "${name}"\n\n${usage(subcommands)}\n`);
    return 2;
  }
  const context: CliContext = {
    defaultClustersFile: clustersFileFromEnv(process.env) ?? extension.defaultClustersFile,
  };
  try {
    return await (
      await sub.load()
    )(rest, context);
  } catch (e) {
    return reportFailure(name, e);
  }
}

/** Prints one line for a failed subcommand and returns its exit code; a stack trace only for a bug. */
export function reportFailure(name: string, e: unknown): number {
  if (e instanceof FerryError) {
    process.stderr.write(`ferry ${name}: ${e.message}\n`);
    return 1;
  }
  if (isUsageError(e)) {
    process.stderr.write(`ferry ${name}: ${(e as Error).message} (ferry ${name} --help for usage)\n`);
    return 2;
  }
  process.stderr.write(`ferry ${name}: unexpected error: ${(e as Error).stack ?? String(e)}\n`);
  return 2;
}

/** node:util parseArgs's own errors (unknown option, missing value): a usage error, not a bug. */
function isUsageError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

/** `ferry ... | head` must not die with EPIPE when the reader stops early. */
function quietOnClosedStdout(): void {
  if (process.stdout.listenerCount('error') > 0) return;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
}
