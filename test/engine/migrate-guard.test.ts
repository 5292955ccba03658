/**
 * One migration of a container at a time: `migrate` refuses, before it connects to any host, while an
 * unfinished journal of the same container exists in its journal store.
 */
import {
  currentOwner,
  memoryJournalStore,
  transition,
  withOwner,
  type Journal,
} from '../../provider/engine/journal/journal';
import { migrate } from '../../provider/engine/migrate';
import { systemClock, type HostRef } from '../../provider/engine/types';
import { PreflightFailed } from '../../provider/errors';
import { FIXTURE_HOST, journalOf } from '../support/journal-fixture';

const host = FIXTURE_HOST;
const a: HostRef = { cluster: 'a', host };
const b: HostRef = { cluster: 'b', host: { ...host, name: 'host-2' } };

function unfinished(owned: boolean): Journal {
  const now = new Date();
  const j = transition(journalOf('web', now), { kind: 'prepared' }, now);
  // a live owner (this process, fresh lease), or one long gone (no owner, no lease)
  return owned ? withOwner(j, currentOwner(), now) : j;
}

describe('migrate refuses a container with an unfinished migration', () => {
  it.each<[string, boolean, string, RegExp]>([
    ['running elsewhere (live owner)', true, 'web', /migration m-web of web is running \(journal prepared; /],
    [
      'left by a dead controller',
      false,
      'web',
      /migration m-web of web is unfinished .* run ferry migrate --recover/,
    ],
    ['named by its id', true, 'c'.repeat(12), /migration m-web of web is running/],
  ])('%s', async (_name, owned, container, message) => {
    const journal = memoryJournalStore();
    await journal.save(unfinished(owned));
    const err = await migrate(
      { container, source: a, target: b },
      {
        connect: () => Promise.reject(new Error('unexpected connect')),
        clock: systemClock,
        log: () => undefined,
        journal,
      },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PreflightFailed);
    expect((err as Error).message).toMatch(message);
  });
});
