/**
 * Helpers on top of `RemoteShell.exec` for the common case "this command must succeed".
 */
import { CommandFailed } from '../errors';
import type { ExecOptions, ExecResult, RemoteShell } from './remote-shell';

/**
 * Runs `argv` on `shell` and returns its result; a non-zero exit (or death by signal) throws
 * `CommandFailed` carrying argv, exit code, stderr tail and host. stderr alone never means failure.
 */
export async function run(
  shell: RemoteShell,
  argv: readonly string[],
  opts: ExecOptions,
): Promise<ExecResult> {
  const result = await shell.exec(argv, opts);
  if (result.exitCode !== 0) throw new CommandFailed(argv, result.exitCode, result.stderr, shell.describe());
  return result;
}

/** Like `run`, but returns stdout decoded as UTF-8. */
export async function runText(
  shell: RemoteShell,
  argv: readonly string[],
  opts: ExecOptions,
): Promise<string> {
  return (await run(shell, argv, opts)).stdout.toString('utf8');
}
