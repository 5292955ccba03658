/**
 * The campaign's `pulumi up` controller (thin I/O): the trial's workload is a `ferry.Container` of the
 * relocate example, created by a first `pulumi up` on the source; its placement then changes to the target
 * and a second `pulumi up` (the CLI, its language host and the provider) runs the migration, which the
 * fault kills as a whole. The trial then converges the way a user would: `pulumi cancel` (the killed CLI
 * left its lock on the file backend) and one more `pulumi up`, whose provider recovers first.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LocalWorkspace } from '@pulumi/pulumi/automation';
import type { ClustersFile } from '../../provider/config/clusters';
import { JOURNAL_DIR_ENV } from '../../provider/engine/journal/journal';
import { createTestProject, pulumiEnv, type TestProject } from '../pulumi-project';
import { spawnLogged, type FerryChild } from './ferry-child';
import type { TrialPlan } from './plan';

/** The example program the trials run (a path in the package). */
const PROGRAM = 'examples/relocate/index.ts';
/** Its project name (the config namespace). */
const PROJECT = 'ferry-relocate';

/** A trial's Pulumi project, with its workload up on the source. */
export interface PulumiTrial {
  /** Docker id of the workload the first `pulumi up` created. */
  readonly originalId: string;
  /** Sets the placement to the target and starts the `pulumi up` that moves it (killed as a tree). */
  startMove(logPrefix: string): Promise<FerryChild>;
  /** `pulumi cancel`, then `pulumi up` to the end: resolves a note, and an error line when it failed. */
  converge(logFile: string): Promise<{ readonly note: string; readonly error?: string }>;
  /** Removes the project directory (its state included); the trial removes the containers. */
  remove(): void;
}

/**
 * Creates the project in `<repo>/.ferry/pulumi-faults/`, with its journals in `journalDir`, and runs the
 * first `pulumi up` (the workload on `plan.source`).
 * @throws whatever that `up` throws (a harness error of the trial).
 */
export async function preparePulumiTrial(
  plan: TrialPlan,
  clusters: ClustersFile,
  mib: number,
  journalDir: string,
  logFile: string,
): Promise<PulumiTrial> {
  const project: TestProject = await createTestProject(
    PROJECT,
    PROGRAM,
    clusters,
    { containerName: plan.name, cluster: plan.source, mib: String(mib), dirtyMibS: String(plan.dirtyMibS) },
    'pulumi-faults',
  );
  const { stack, dir } = project;
  const ws = stack.workspace;
  if (!(ws instanceof LocalWorkspace)) throw new Error('expected a LocalWorkspace');
  ws.envVars[JOURNAL_DIR_ENV] = journalDir;
  const env = { ...process.env, ...pulumiEnv(path.join(dir, 'state')), [JOURNAL_DIR_ENV]: journalDir };
  const log = (o: string): void => fs.appendFileSync(logFile, o);
  const first = await stack.up({ onOutput: log });
  const originalId: unknown = first.outputs.containerId?.value;
  if (typeof originalId !== 'string') throw new Error(`pulumi up gave no containerId: ${String(originalId)}`);
  return {
    originalId,
    async startMove(logPrefix) {
      await stack.setConfig(`${PROJECT}:cluster`, { value: plan.target });
      const argv = ['up', '--yes', '--skip-preview', '--non-interactive', '--stack', stack.name];
      return spawnLogged('pulumi', argv, { cwd: dir, env }, logPrefix, true);
    },
    async converge(file) {
      try {
        // fails when no update holds the lock (the kill came after the up ended): nothing to cancel
        await stack.cancel().catch(() => undefined);
        const up = await stack.up({ onOutput: (o) => fs.appendFileSync(file, o) });
        const where: unknown = up.outputs.runsOn?.value;
        return {
          note: `pulumi cancel + pulumi up: ${up.summary.result}, the container runs on ${String(where)}`,
        };
      } catch (e) {
        const line = ((e as Error).message ?? String(e)).split('\n').find((l) => /error/i.test(l));
        return { note: 'pulumi cancel + pulumi up failed', error: line?.trim() ?? 'see the log' };
      }
    },
    remove: () => project.remove(),
  };
}
