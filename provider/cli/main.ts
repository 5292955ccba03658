/**
 * The `ferry` command line: dispatches `ferry <subcommand> ...` to a module. To add a subcommand, add one
 * entry to {@link SUBCOMMANDS} that loads a function `(argv) => Promise<exit code>`.
 */
import { FerryError } from '../errors';

/** A subcommand: receives the arguments after its name, resolves the process exit code. */
export type Subcommand = (argv: readonly string[]) => Promise<number>;

/** Subcommands by name, loaded lazily so each costs nothing until used. */
export const SUBCOMMANDS: Readonly<Record<string, { summary: string; load: () => Promise<Subcommand> }>> = {
  testbed: {
    summary: 'local multi-cluster test bed: up | down | status | link',
    load: async () => (await import('./testbed-command')).testbedCommand,
  },
  plan: {
    summary: 'what `pulumi up` would migrate: from -> to, strategy, downtime, time, bytes',
    load: async () => (await import('./plan-command')).planCommand,
  },
  migrate: {
    summary: 'live-migrate a container between clusters (see ferry migrate --help)',
    load: async () => (await import('./migrate-command')).migrateCommand,
  },
  run: {
    summary: 'start a workload container on a host: run <cluster>[/<host>] --name N -- <args>',
    load: async () => (await import('./run-command')).runCommand,
  },
};

/** The top-level usage text. */
export function usage(): string {
  const rows = Object.entries(SUBCOMMANDS).map(([name, s]) => `  ${name.padEnd(12)} ${s.summary}`);
  return [
    'usage: ferry <command> [options]',
    '',
    'commands:',
    ...rows,
    '',
    'ferry <command> --help for details',
  ].join('\n');
}

/**
 * Runs the CLI with `argv` (the arguments after `ferry`).
 * @returns the exit code: 0 ok, 1 a Ferry error (message and hint printed), 2 usage error or a bug.
 */
export async function runCli(argv: readonly string[]): Promise<number> {
  quietOnClosedStdout();
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name === undefined ? 2 : 0;
  }
  const sub = SUBCOMMANDS[name];
  if (sub === undefined) {
    process.stderr.write(`ferry: unknown command "${name}"\n\n${usage()}\n`);
    return 2;
  }
  try {
    return await (
      await sub.load()
    )(rest);
  } catch (e) {
    if (e instanceof FerryError) {
      process.stderr.write(`ferry ${name}: ${e.message}\n`);
      return 1;
    }
    process.stderr.write(`ferry ${name}: unexpected error: ${(e as Error).stack ?? String(e)}\n`);
    return 2;
  }
}

/** `ferry ... | head` must not die with EPIPE when the reader stops early. */
function quietOnClosedStdout(): void {
  if (process.stdout.listenerCount('error') > 0) return;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
}

if (require.main === module) {
  void runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
