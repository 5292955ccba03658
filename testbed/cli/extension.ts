/**
 * The test bed's part of the `ferry` command: the `testbed` and `run` subcommands, and the bed's clusters
 * file as the default for Ferry's own commands. `bin/ferry` passes this to `runCli`; Ferry itself
 * (`provider/`) knows nothing of the test bed.
 */
import type { CliExtension } from '../../provider/cli/main';
import { defaultStateDir, testbedPaths } from '../paths';

/** The CLI extension of the test bed, for the state dir of `env` (`FERRY_TESTBED_DIR`). */
export function testbedCliExtension(env: NodeJS.ProcessEnv = process.env): CliExtension {
  return {
    subcommands: {
      testbed: {
        summary: 'local multi-cluster test bed: up | down | status | link',
        load: async () => (await import('./testbed-command')).testbedCommand,
      },
      run: {
        summary: 'start a test workload container on a host: run <cluster>[/<host>] --name N -- <args>',
        load: async () => (await import('./run-command')).runCommand,
      },
      faults: {
        summary: 'randomized fault-injection trials of `ferry migrate` on the test bed (see --help)',
        load: async () => (await import('../faults/faults-command')).faultsCommand,
      },
    },
    defaultClustersFile: testbedPaths(defaultStateDir(env)).clustersFile,
  };
}
