/** Reading a running test bed's files: what tests and the engine's tests use to find the clusters. */
import * as fs from 'node:fs';
import { readClustersFile } from '../provider/config/clusters-file';
import { PrerequisiteMissing } from '../provider/errors';
import { defaultStateDir, testbedPaths } from './paths';
import { readState } from './state';
import type { Testbed } from './up';

/**
 * The running bed: its ClustersFile, state and paths.
 * @param stateDir - default `FERRY_TESTBED_DIR` or /var/lib/ferry/testbed.
 * @throws PrerequisiteMissing when no bed is up there.
 */
export function loadTestbed(stateDir: string = defaultStateDir()): Testbed {
  const paths = testbedPaths(stateDir);
  const state = readState(paths);
  if (state === undefined || !fs.existsSync(paths.clustersFile)) {
    throw new PrerequisiteMissing('test bed', `no test bed is up in ${paths.stateDir}`, {
      hint: 'run `ferry testbed up` (or call testbedUp()) first',
    });
  }
  const clusters = readClustersFile(paths.clustersFile);
  return { paths, state, clusters };
}
