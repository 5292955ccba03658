/**
 * Writes the test bed's clusters.json into a stack's `ferry:clusters` config (private keys as secrets):
 *
 *   npx ts-node --transpile-only examples/config-from-testbed.ts --stack dev [--cwd examples/relocate]
 *       [--clusters-file /var/lib/ferry/testbed/clusters.json]
 *
 * The stack must exist (`pulumi stack init dev`); PULUMI_CONFIG_PASSPHRASE encrypts the secrets.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import type { ClustersFile } from '../provider/config/clusters';
import { clustersConfigEntries, setAllConfigArgv } from '../provider/pulumi/stack-config';
import { defaultStateDir, testbedPaths } from '../provider/testbed/paths';

const { values } = parseArgs({
  options: {
    stack: { type: 'string' },
    cwd: { type: 'string' },
    'clusters-file': { type: 'string' },
  },
});
if (values.stack === undefined) {
  process.stderr.write('usage: config-from-testbed.ts --stack NAME [--cwd DIR] [--clusters-file F]\n');
  process.exit(2);
}
const file = values['clusters-file'] ?? testbedPaths(defaultStateDir()).clustersFile;
const clusters = JSON.parse(fs.readFileSync(file, 'utf8')) as ClustersFile;
const entries = clustersConfigEntries(clusters);
const [cmd, ...args] = setAllConfigArgv(values.stack, entries);
execFileSync(cmd!, args, { cwd: values.cwd ?? process.cwd(), stdio: ['ignore', 'inherit', 'inherit'] });
process.stdout.write(
  `ferry:clusters of stack ${values.stack} set from ${file}: ${clusters.clusters.map((c) => c.name).join(', ')} ` +
    `(${entries.filter((e) => e.secret).length} secret value(s))\n`,
);
