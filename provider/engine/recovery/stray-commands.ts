/**
 * The remote commands a dead controller left running (a `runc checkpoint`, CRIU, pagedelta, the receiver,
 * the direct path's ssh and its control master) are ended before recovery acts on the hosts: every process
 * whose command line names the migration's directory `ferry-<id>` gets SIGKILL.
 */
import { InvalidInput } from '../../errors';
import type { ConnectedHost } from '../../hosts/connect';
import { SHORT_STEP } from '../timeouts';

/**
 * `pkill -KILL -f` of the processes whose command line holds `ferry-<id>`. The pattern is written
 * `[f]erry-<id>`: it matches those command lines but not its own shell's, which holds the brackets.
 * Exit 0 whether or not something was found.
 */
export function endStrayCommandsArgv(migrationId: string): string[] {
  if (!/^[A-Za-z0-9-]{1,64}$/.test(migrationId))
    throw new InvalidInput('migrationId', migrationId, 'letters, digits and -');
  return ['sh', '-c', 'pkill -KILL -f -- "$1"; [ $? -le 1 ]', 'sh', `[f]erry-${migrationId}`];
}

/** Ends the migration's stray commands on `host`; resolves a note when that failed (best effort). */
export async function endStrayCommands(
  host: ConnectedHost,
  migrationId: string,
): Promise<string | undefined> {
  try {
    const r = await host.shell.exec(endStrayCommandsArgv(migrationId), { timeout: SHORT_STEP });
    return r.exitCode === 0 ? undefined : `pkill exited ${r.exitCode}: ${r.stderr.trim().slice(0, 200)}`;
  } catch (e) {
    return e instanceof Error ? e.message.split('\n')[0] : String(e);
  }
}
