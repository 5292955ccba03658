/**
 * Pulumi projects for the end-to-end tests (`testbed/pulumi-project.ts`), and what the tests read of their
 * state. Fails (never skips) when the Pulumi CLI is missing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Stack } from '@pulumi/pulumi/automation';
import { PACKAGE_ROOT } from '../../../testbed/node-entry';
import type { TestProject } from '../../../testbed/pulumi-project';
export {
  createTestProject,
  pulumiEnv,
  requirePulumiCli,
  type TestProject,
} from '../../../testbed/pulumi-project';

/** The repository root. */
export const REPO = PACKAGE_ROOT;

/** The `ferry.Container` resources of the stack's state: id, inputs and outputs. */
export async function containersInState(
  stack: Stack,
): Promise<{ id: string; inputs: Record<string, unknown>; outputs: Record<string, unknown> }[]> {
  const d = await stack.exportStack();
  const resources =
    (d.deployment as { resources?: { type: string; id?: string; inputs?: object; outputs?: object }[] })
      .resources ?? [];
  return resources
    .filter((r) => r.type.endsWith('ferry:Container'))
    .map((r) => ({
      id: r.id ?? '',
      inputs: (r.inputs ?? {}) as Record<string, unknown>,
      outputs: (r.outputs ?? {}) as Record<string, unknown>,
    }));
}

/**
 * The raw text of the stack's state file(s) in the local backend (secrets stay encrypted there): the backend
 * is `<dir>/state`, as {@link createTestProject} and `pulumiEnv(<dir>/state)` make it.
 */
export function stateFileText(project: Pick<TestProject, 'dir'>): string {
  const root = path.join(project.dir, 'state', '.pulumi', 'stacks');
  const files = (fs.readdirSync(root, { recursive: true }) as string[]).filter((f) => f.endsWith('.json'));
  if (files.length === 0) throw new Error(`no state file under ${root}`);
  return files.map((f) => fs.readFileSync(path.join(root, f), 'utf8')).join('\n');
}
