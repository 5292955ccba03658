/**
 * The provider recovers by itself: before it creates, reads, updates or deletes a container, it finishes or
 * rolls back that container's unfinished migrations (a `pulumi up` killed mid-migration), with the hosts'
 * credentials from the stack config (journals hold none). When one cannot be recovered (its owner is still
 * running, a host does not answer, or it is fenced), the operation stops with what to do: it never records
 * or removes a container whose state is in the middle of a move.
 */
import type { ClustersFile, HostConfig } from '../config/clusters';
import { FerryError } from '../errors';
import type { JournalStore } from '../engine/journal/journal';
import type { ConnectedHost } from '../hosts/connect';

/** An unfinished migration the provider could not recover: the operation must not go on. */
export class MigrationUnfinished extends FerryError {
  constructor(
    /** The container. */
    readonly container: string,
    /** One line per unrecovered migration. */
    readonly details: readonly string[],
    /** Where the journals are. */
    journalDir: string,
  ) {
    super(
      `ferry: ${container} has an unfinished migration that could not be recovered: ${details.join('; ')}`,
      {
        hint: `check what the lines say, then run pulumi up (or pulumi refresh) again; the journals are in ${journalDir}`,
      },
    );
  }
}

/** The command that finishes a fenced migration from Pulumi. */
export const PULUMI_FENCE_COMMAND = 'pulumi up (or pulumi refresh) once the check is done';

/**
 * Recovers the unfinished migrations of `container` in `journal` (the provider's journal dir).
 * @returns the lines to show (one per migration that was acted on).
 * @throws MigrationUnfinished when one stays unfinished.
 */
export async function recoverFirst(
  container: string,
  clusters: ClustersFile,
  connect: (host: HostConfig) => Promise<ConnectedHost>,
  say: (line: string) => void,
  journal: JournalStore,
): Promise<void> {
  const [{ recover }, { systemClock }, { hostResolver }, { defaultJournalDir }] = await Promise.all([
    import('../engine/recovery/recover'),
    import('../engine/types'),
    import('../engine/host-ref'),
    import('../engine/journal/journal-store'),
  ]);
  const results = await recover(
    {
      connect,
      clock: systemClock,
      log: (e) => say(`ferry ${container}: ${e.message}`),
      journal,
    },
    { containerName: container, resolveHost: hostResolver(clusters), fenceCommand: PULUMI_FENCE_COMMAND },
  );
  const stuck = results.filter(
    (r) =>
      r.action === 'wait' ||
      r.action === 'manual' ||
      r.state === 'fenced' ||
      r.state === 'failed' ||
      (r.state !== undefined && r.action !== 'cleanup' && !['done', 'rolled-back'].includes(r.state)),
  );
  for (const r of results)
    if (!stuck.includes(r))
      say(
        `ferry ${container}: recovered migration ${r.migrationId}: ${r.action} -> ${r.state ?? '?'} (${r.reason})`,
      );
  if (stuck.length > 0)
    throw new MigrationUnfinished(
      container,
      stuck.map((r) => `${r.migrationId}: ${r.action}${r.state ? ` (journal ${r.state})` : ''}: ${r.reason}`),
      defaultJournalDir(),
    );
}
