/**
 * `ferry stack-config --stack S [--cwd DIR] [--clusters-file F]`: writes a clusters file into a Pulumi
 * stack's `ferry:clusters` config, private keys as secrets (through `pulumi config set-all`, so
 * `PULUMI_CONFIG_PASSPHRASE` or the stack's secrets provider encrypts them). The stack must exist.
 */
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { chooseClustersFile, readClustersFile } from '../config/clusters-file';
import { CommandFailed } from '../errors';
import { clustersConfigEntries, setAllConfigArgv } from '../pulumi/stack-config';
import type { CliContext } from './main';

/** Usage text of `ferry stack-config`. */
export const STACK_CONFIG_USAGE = `usage: ferry stack-config --stack NAME [--cwd DIR] [--clusters-file F]
  writes the clusters file (default: $FERRY_CLUSTERS_FILE, else the test bed's) into the stack's
  ferry:clusters config; private keys become secrets`;

/** Runs `ferry stack-config <argv>`; resolves the exit code. */
export async function stackConfigCommand(argv: readonly string[], context: CliContext): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      stack: { type: 'string' },
      cwd: { type: 'string' },
      'clusters-file': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || values.stack === undefined) {
    (values.help ? process.stdout : process.stderr).write(`${STACK_CONFIG_USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const file = chooseClustersFile(values['clusters-file'], context.defaultClustersFile);
  const clusters = readClustersFile(file);
  const entries = clustersConfigEntries(clusters);
  const [cmd, ...args] = setAllConfigArgv(values.stack, entries);
  try {
    execFileSync(cmd!, args, { cwd: values.cwd ?? process.cwd(), stdio: ['ignore', 'inherit', 'pipe'] });
  } catch (e) {
    // the argv carries the secrets: name the command without its values
    const err = e as { status?: number | null; stderr?: Buffer };
    throw new CommandFailed(
      [cmd!, 'config', 'set-all', '--stack', values.stack, '...'],
      err.status ?? null,
      err.stderr?.toString() ?? '',
      'this machine',
    );
  }
  process.stdout.write(
    `ferry:clusters of stack ${values.stack} set from ${file}: ${clusters.clusters.map((c) => c.name).join(', ')} ` +
      `(${entries.filter((e) => e.secret).length} secret value(s))\n`,
  );
  return 0;
}
