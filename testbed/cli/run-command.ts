/**
 * `ferry run <cluster>[/<host>] --name N [--image I] [--clusters-file F] -- <args>`: starts a workload
 * container (default image `ferry/dirtier:latest`, command `/bin/dirtier <args>`, no network) on a host, for
 * demos and tests of `ferry migrate`.
 */
import { parseArgs } from 'node:util';
import { chooseClustersFile, readClustersFile } from '../../provider/config/clusters-file';
import type { CliContext } from '../../provider/cli/main';
import { connectHost } from '../../provider/hosts/connect';
import type { ContainerSpec } from '../../provider/hosts/container-runtime';
import { resolveHostRef } from '../../provider/engine/host-ref';

/** The workload image of the test bed. */
export const DEFAULT_WORKLOAD_IMAGE = 'ferry/dirtier:latest';

/** The spec of a workload container (pure). */
export function workloadSpec(name: string, image: string, args: readonly string[]): ContainerSpec {
  const cmd = image === DEFAULT_WORKLOAD_IMAGE ? ['/bin/dirtier', ...args] : [...args];
  return {
    name,
    image,
    ...(cmd.length > 0 ? { cmd } : {}),
    labels: { 'ferry.workload': name },
    hostConfig: { networkMode: 'none' },
  };
}

/** Runs `ferry run <argv>`; prints the container id and resolves the exit code. */
export async function runCommand(argv: readonly string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      image: { type: 'string' },
      'clusters-file': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [where, ...args] = positionals;
  if (values.help || where === undefined || values.name === undefined) {
    process.stdout.write(
      'usage: ferry run <cluster>[/<host>] --name N [--image I] [--clusters-file F] -- <args>\n',
    );
    return values.help ? 0 : 2;
  }
  const file = chooseClustersFile(values['clusters-file'], context.defaultClustersFile);
  const ref = resolveHostRef(readClustersFile(file), where, 'cluster');
  await using host = await connectHost(ref.host);
  const id = await host.runtime.create(
    workloadSpec(values.name, values.image ?? DEFAULT_WORKLOAD_IMAGE, args),
  );
  await host.runtime.start(id);
  process.stdout.write(`${id}\n`);
  return 0;
}
