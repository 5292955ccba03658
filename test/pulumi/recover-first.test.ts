/**
 * The provider's own recovery before each operation: a migration still owned by a live process (a
 * `pulumi up` running elsewhere) is never acted on, and the operation stops with a line that says so.
 */
import {
  currentOwner,
  memoryJournalStore,
  transition,
  withOwner,
} from '../../provider/engine/journal/journal';
import { MigrationUnfinished, recoverFirst } from '../../provider/pulumi/recover-first';
import type { ClustersFile } from '../../provider/config/clusters';
import { FIXTURE_HOST, journalOf } from '../support/journal-fixture';

const host = FIXTURE_HOST;
const clusters: ClustersFile = {
  clusters: [
    { name: 'a', hosts: [host] },
    { name: 'b', hosts: [{ ...host, name: 'host-2' }] },
  ],
};

const noConnect = (): never => {
  throw new Error('unexpected connect');
};

describe('recoverFirst', () => {
  it('does nothing when the container has no unfinished migration (others are not looked at)', async () => {
    const store = memoryJournalStore();
    const now = new Date();
    const other = withOwner(
      transition(journalOf('other', now), { kind: 'prepared' }, now),
      currentOwner(),
      now,
    );
    await store.save(other);
    const lines: string[] = [];
    await recoverFirst('web', clusters, noConnect, (l) => lines.push(l), store);
    expect(lines).toEqual([]);
  });

  it('stops the operation when a live process owns the migration (its lease is fresh)', async () => {
    const store = memoryJournalStore();
    const now = new Date();
    await store.save(
      withOwner(transition(journalOf('web', now), { kind: 'prepared' }, now), currentOwner(), now),
    );
    const err = await recoverFirst('web', clusters, noConnect, () => undefined, store).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(MigrationUnfinished);
    expect((err as Error).message).toMatch(
      /^ferry: web has an unfinished migration that could not be recovered: m-web: wait \(journal prepared\): /,
    );
    expect((await store.load('m-web'))?.state).toBe('prepared');
  });
});
