/**
 * A host and a journal of one migration between two clusters `a` and `b`, for the unit tests that need a
 * journal in a store (the migrate guard, the provider's own recovery). No host is ever reached.
 */
import type { HostConfig } from '../../provider/config/clusters';
import { newJournal, type Journal } from '../../provider/engine/journal/journal';

/** A host that is never reached. */
export const FIXTURE_HOST: HostConfig = {
  name: 'host-1',
  address: '192.0.2.1',
  port: 22,
  user: 'ferry',
  hostKey: 'ssh-ed25519 AAAA',
  dockerSocket: '/run/docker.sock',
  workDir: '/w',
};

/** The journal (state `started`) of migration `m-<container>` of `container` from cluster `a` to `b`. */
export function journalOf(container: string, at: Date): Journal {
  const id = `m-${container}`;
  return newJournal(
    {
      migrationId: id,
      containerName: container,
      source: { cluster: 'a', host: FIXTURE_HOST },
      target: { cluster: 'b', host: { ...FIXTURE_HOST, name: 'host-2' } },
      sourceContainerId: 'c'.repeat(64),
      checkpointName: `ferry-${id}`,
      sourceDir: `/w/ferry-${id}`,
      targetDir: `/w/ferry-${id}`,
    },
    at,
  );
}
