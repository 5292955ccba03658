/**
 * Cleanup that lasts: what a migration leaves behind is a list of {@link CleanupStep}s, computed from the
 * journal alone (pure), run one by one, and the steps that fail are kept in the journal's `pendingCleanup`
 * so that the next recovery retries them. The same steps serve a migration that ended, a rollback, and a
 * recovery after a crash.
 */
import { dockerCheckpointDir, DEFAULT_DOCKER_DATA_ROOT } from '../../hosts/commands/docker-paths';
import { removeUnderArgv } from '../../hosts/commands/files';
import { absolutePath } from '../../hosts/commands/validate';
import type { ConnectedHost } from '../../hosts/connect';
import { run } from '../../hosts/run';
import { DEFAULT_AUTHORIZED_KEYS } from '../data-path/data-path';
import { keyComment, removeAuthorizedKeyArgv } from '../data-path/data-path-commands';
import type { CleanupStep, Journal } from '../journal/journal';
import { removeCtrdCopiesOfArgv } from '../data-path/remote';
import { NONCE_FILE, removePagesDirsArgv } from '../switchover/restore';
import { SHORT_STEP } from '../timeouts';

/** The control socket of the direct path's SSH master, in the source's migration dir. */
export function controlSocketOf(sourceDir: string): string {
  return `${sourceDir}/ssh-control`;
}

/** The files both hosts hold for the migration: master, key line, dirs, containerd copies (pure). */
function fileSteps(j: Journal): CleanupStep[] {
  return [
    { kind: 'control-master', host: 'source', socket: controlSocketOf(j.sourceDir) },
    {
      kind: 'key-line',
      host: 'target',
      file: j.authorizedKeysFile ?? j.target.host.authorizedKeysFile ?? DEFAULT_AUTHORIZED_KEYS,
      migrationId: j.migrationId,
    },
    { kind: 'remove-dir', host: 'target', root: j.target.host.workDir, path: j.targetDir },
    { kind: 'remove-dir', host: 'source', root: j.source.host.workDir, path: j.sourceDir },
    { kind: 'ctrd-copies', host: 'source', checkpointName: j.checkpointName },
    { kind: 'ctrd-copies', host: 'target', checkpointName: j.checkpointName },
  ];
}

/** The source's checkpoint dir holding the final images. */
export function sourceCheckpointDir(j: Journal): string {
  return dockerCheckpointDir(
    j.source.host.dockerDataRoot ?? DEFAULT_DOCKER_DATA_ROOT,
    j.sourceContainerId,
    j.checkpointName,
  );
}

/**
 * The steps after a verified migration (pure): the source's restart policy onto the target copy, the source
 * container removed, the target's checkpoint dir, then the files.
 */
export function successSteps(j: Journal, targetId: string): CleanupStep[] {
  const root = `${j.target.host.dockerDataRoot ?? DEFAULT_DOCKER_DATA_ROOT}/containers/${targetId}/checkpoints`;
  return [
    ...(j.restartPolicy !== undefined
      ? [
          {
            kind: 'restart-policy',
            host: 'target',
            containerId: targetId,
            policy: j.restartPolicy,
          } as const,
        ]
      : []),
    { kind: 'remove-container', host: 'source', id: j.sourceContainerId },
    { kind: 'remove-dir', host: 'target', root, path: `${root}/${j.checkpointName}` },
    ...fileSteps(j),
  ];
}

/**
 * The steps after a rollback that left the container running on the source (pure): its restart policy back
 * (when it was fenced), the final images in its checkpoint dir, then the files.
 */
export function rollbackSteps(j: Journal, policyFenced: boolean): CleanupStep[] {
  return [
    ...(policyFenced && j.restartPolicy !== undefined
      ? [
          {
            kind: 'restart-policy',
            host: 'source',
            containerId: j.sourceContainerId,
            policy: j.restartPolicy,
          } as const,
        ]
      : []),
    {
      kind: 'remove-dir',
      host: 'source',
      root: j.source.host.dockerDataRoot ?? DEFAULT_DOCKER_DATA_ROOT,
      path: sourceCheckpointDir(j),
    },
    ...fileSteps(j),
  ];
}

/**
 * `ssh -O exit` on the control socket when a master listens on it (any host name does: the path has no
 * tokens); a socket whose master is gone (killed with its controller) is only removed.
 */
export function closeControlMasterArgv(socket: string): string[] {
  return [
    'sh',
    '-c',
    '[ -S "$1" ] || exit 0; ' +
      'ssh -F /dev/null -o BatchMode=yes -S "$1" -O check ferry-migration >/dev/null 2>&1 || exec rm -f -- "$1"; ' +
      'exec ssh -F /dev/null -o BatchMode=yes -S "$1" -O exit ferry-migration 2>&1',
    'sh',
    absolutePath('socket', socket),
  ];
}

/** The hosts a step can run on. */
export interface CleanupHosts {
  /** Connected source. */
  readonly source: ConnectedHost;
  /** Connected target. */
  readonly target: ConnectedHost;
}

/** Runs one step. @throws when it fails (the caller keeps it pending). */
export async function runCleanupStep(step: CleanupStep, hosts: CleanupHosts): Promise<void> {
  const host = hosts[step.host];
  switch (step.kind) {
    case 'control-master':
      await run(host.shell, closeControlMasterArgv(step.socket), { timeout: SHORT_STEP });
      return;
    case 'key-line':
      await run(host.shell, removeAuthorizedKeyArgv(step.file, keyComment(step.migrationId)), {
        timeout: SHORT_STEP,
      });
      return;
    case 'remove-dir':
      await run(host.shell, removeUnderArgv(step.root, step.path), { timeout: SHORT_STEP });
      return;
    case 'remove-container':
      await host.runtime.remove(step.id, { force: true, timeout: SHORT_STEP });
      return;
    case 'ctrd-copies':
      await run(host.shell, removeCtrdCopiesOfArgv(step.checkpointName, NONCE_FILE), {
        timeout: SHORT_STEP,
      });
      await run(host.shell, removePagesDirsArgv(step.checkpointName), { timeout: SHORT_STEP });
      return;
    case 'restart-policy':
      await host.runtime.setRestartPolicy(step.containerId, step.policy, { timeout: SHORT_STEP });
      return;
  }
}

/** A step that failed, and why. */
export interface FailedStep {
  /** The step. */
  readonly step: CleanupStep;
  /** Its error, on one line. */
  readonly why: string;
}

/** One line for a step, for notes. */
export function describeStep(s: CleanupStep): string {
  switch (s.kind) {
    case 'control-master':
      return `stopping the ssh control master ${s.socket} on the source`;
    case 'key-line':
      return `removing the key line of ${s.migrationId} from ${s.file} on the target`;
    case 'remove-dir':
      return `removing ${s.path} on the ${s.host}`;
    case 'remove-container':
      return `removing container ${s.id.slice(0, 12)} on the ${s.host}`;
    case 'ctrd-copies':
      return `removing containerd's copies and the pages dirs of ${s.checkpointName} on the ${s.host}`;
    case 'restart-policy':
      return `putting restart policy ${s.policy} on ${s.containerId.slice(0, 12)} on the ${s.host}`;
  }
}

/** Runs every step in order (a failure does not stop the others); resolves the steps that failed. */
export async function runCleanupSteps(
  steps: readonly CleanupStep[],
  hosts: CleanupHosts,
): Promise<FailedStep[]> {
  const failed: FailedStep[] = [];
  for (const step of steps) {
    try {
      await runCleanupStep(step, hosts);
    } catch (e) {
      failed.push({ step, why: (e instanceof Error ? e.message : String(e)).split('\n')[0]! });
    }
  }
  return failed;
}
