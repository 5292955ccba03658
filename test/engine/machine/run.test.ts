/**
 * The migration state machine (the REAL `runMachine`, `journalWriter`, `failureEvent`, transition table and
 * `decideRecovery`) over a model of both hosts: handlers that do to the model what the real phases do to the
 * hosts. Every phase failing, a crash after every journal write (the disk and the hosts frozen as they were),
 * then a recovery: never two live copies, and exactly one once recovery has run.
 */
import fc from 'fast-check';
import {
  JOURNAL_STATES,
  memoryJournalStore,
  newJournal,
  type Journal,
  type JournalState,
  type JournalStore,
} from '../../../provider/engine/journal/journal';
import { PHASE_OF } from '../../../provider/engine/machine/phases';
import { runMachine, type Handlers } from '../../../provider/engine/machine/run';
import { journalWriter } from '../../../provider/engine/machine/writer';
import { decideRecovery } from '../../../provider/engine/recovery/recover';
import { seconds } from '../../../provider/units';
import { JournalUnwritable } from '../../../provider/errors';

/** Both hosts as the machine's work leaves them. */
class Hosts {
  src: 'running' | 'stopped' | 'absent' = 'running';
  srcImages = false;
  tgt: 'absent' | 'created' | 'running' = 'absent';
  /** The target engine does not answer (a rollback cannot confirm its copy gone). */
  tgtEngineDead = false;
  /** Set by a crash: from then on nothing the dead process does reaches the hosts. */
  crashed = false;
  /** Highest number of live copies seen after any change. */
  maxLive = 0;

  change(f: () => void): void {
    if (this.crashed) return;
    f();
    this.maxLive = Math.max(this.maxLive, this.live());
  }

  live(): number {
    return (this.src === 'running' ? 1 : 0) + (this.tgt === 'running' ? 1 : 0);
  }
}

/** The states before the target is verified, in order: a failure in any of them rolls back. */
const FORWARD: readonly JournalState[] = JOURNAL_STATES.slice(0, JOURNAL_STATES.indexOf('verified'));

/** Handlers that do to the model what the real ones do to the hosts; `failIn` throws in that state. */
function modelHandlers(h: Hosts, failIn?: JournalState): Handlers<Hosts> {
  const fail = (s: JournalState): void => {
    if (s === failIn) throw new Error(`injected failure in ${s}`);
  };
  return {
    started: async () => (fail('started'), { event: { kind: 'prepared' } }),
    prepared: async () => (fail('prepared'), { event: { kind: 'copying' } }),
    copying: async () => {
      fail('copying');
      h.change(() => (h.tgt = 'created'));
      return { event: { kind: 'target-created', targetContainerId: 't1' } };
    },
    'target-created': async () => {
      fail('target-created');
      h.change(() => {
        h.src = 'stopped';
        h.srcImages = true;
      });
      return { event: { kind: 'frozen' } };
    },
    frozen: async () => (fail('frozen'), { event: { kind: 'restoring' } }),
    restoring: async () => {
      fail('restoring');
      h.change(() => (h.tgt = 'running'));
      return { event: { kind: 'target-running' } };
    },
    ...backHandlers(h, failIn),
  };
}

/** The shared states, as recovery runs them too. */
function backHandlers(h: Hosts, failIn?: JournalState): Handlers<Hosts> {
  return {
    'target-running': async () => {
      if (failIn === 'target-running') throw new Error('injected failure in target-running');
      if (h.tgt !== 'running') throw new Error('the target is not running');
      return { event: { kind: 'verified' } };
    },
    verified: async () => {
      h.change(() => {
        h.src = 'absent';
        h.srcImages = false;
      });
      return { event: { kind: 'done' } };
    },
    'rolling-back': async () => {
      if (failIn === 'rolling-back') throw new Error('injected failure in rolling-back');
      if (h.tgtEngineDead && h.src !== 'running')
        return {
          event: { kind: 'fenced', fence: { reason: 'target engine dead', check: 'c', command: 'x' } },
        };
      h.change(() => (h.tgt = 'absent'));
      if (h.src === 'stopped' && h.srcImages) h.change(() => (h.src = 'running'));
      return { event: { kind: 'rolled-back' } };
    },
  };
}

const clock = {
  now: () => seconds(0),
  wall: () => new Date('2026-12-04T00:00:00Z'),
  sleep: () => Promise.resolve(),
};

function journal(): Journal {
  const host = {
    name: 'h',
    address: '192.0.2.1',
    port: 22,
    user: 'u',
    hostKey: 'ssh-ed25519 AAAA',
    dockerSocket: '/s',
    workDir: '/w',
  };
  return newJournal(
    {
      migrationId: 'm1',
      containerName: 'c',
      source: { cluster: 'a', host },
      target: { cluster: 'b', host: { ...host, name: 'h2' } },
      sourceContainerId: 's1',
      checkpointName: 'ferry-m1',
      sourceDir: '/w/ferry-m1',
      targetDir: '/w/ferry-m1',
    },
    clock.wall(),
  );
}

/** A store that stops persisting after `writes` saves and then crashes the hosts model. */
function crashingStore(h: Hosts, writes: number): JournalStore & { disk(): Journal | undefined } {
  const inner = memoryJournalStore();
  let n = 0;
  return {
    ...inner,
    async save(j) {
      if (h.crashed) return;
      await inner.save(j);
      n++;
      if (n >= writes) h.crashed = true;
    },
    disk: () => inner.journals.get('m1'),
  };
}

/** A store whose saves fail (ENOSPC) from the `from`-th on. */
function fullDiskFrom(from: number): JournalStore {
  const inner = memoryJournalStore();
  let n = 0;
  return {
    ...inner,
    save: async (j) => {
      if (++n >= from) throw new Error('ENOSPC: no space left on device');
      await inner.save(j);
    },
  };
}

describe('runMachine', () => {
  it('runs the happy path to done, one state after the other', async () => {
    const h = new Hosts();
    const store = memoryJournalStore();
    const w = await journalWriter(journal(), store, clock);
    const end = await runMachine(h, modelHandlers(h), w);
    expect(end).toEqual({ state: 'done', failure: undefined, laterFailures: [] });
    expect(store.journals.get('m1')!.history.map((e) => e.state)).toEqual([...FORWARD, 'verified', 'done']);
    expect([h.src, h.tgt, h.maxLive]).toEqual(['absent', 'running', 1]);
  });

  it.each(FORWARD)('a failure in %s rolls back: the source runs again, the target is gone', async (s) => {
    const h = new Hosts();
    const w = await journalWriter(journal(), memoryJournalStore(), clock);
    const end = await runMachine(h, modelHandlers(h, s), w);
    expect(end.state).toBe('rolled-back');
    expect(end.failure?.phase).toBe(PHASE_OF[s]);
    expect(String(end.failure?.error)).toContain(`injected failure in ${s}`);
    expect(w.current.history.map((e) => e.state).slice(-2)).toEqual(['rolling-back', 'rolled-back']);
    expect([h.src, h.tgt, h.maxLive]).toEqual(['running', 'absent', 1]);
  });

  it('a failing rollback fences (the next recovery retries it), with both failures kept', async () => {
    const h = new Hosts();
    const handlers = { ...modelHandlers(h, 'frozen'), ...backHandlers(h, 'rolling-back') };
    const w = await journalWriter(journal(), memoryJournalStore(), clock);
    const end = await runMachine(h, handlers, w);
    expect(end.state).toBe('fenced');
    expect(w.current.fence?.reason).toBe('the rollback failed: injected failure in rolling-back');
    expect(end.failure?.phase).toBe('transfer');
    expect(end.laterFailures.map((f) => f.phase)).toEqual(['cleanup']);
  });

  it('a rollback that cannot confirm the target gone fences: nothing is started', async () => {
    const h = new Hosts();
    h.tgtEngineDead = true;
    const w = await journalWriter(journal(), memoryJournalStore(), clock);
    const end = await runMachine(h, modelHandlers(h, 'restoring'), w);
    expect(end.state).toBe('fenced');
    expect(w.current.fence?.reason).toBe('target engine dead');
    expect(h.live()).toBe(0);
  });

  it('journal writes that fail never stop the rollback; they are reported', async () => {
    const h = new Hosts();
    const w = await journalWriter(journal(), fullDiskFrom(5), clock);
    const end = await runMachine(h, modelHandlers(h, 'restoring'), w);
    expect(end.state).toBe('rolled-back');
    expect([h.src, h.tgt]).toEqual(['running', 'absent']);
    expect(w.writeFailures.length).toBeGreaterThanOrEqual(4);
    expect(w.writeFailures[0]).toMatch(/^journal write \(frozen\) failed: ENOSPC/);
  });

  it.each([
    [2, 'prepared'],
    [3, 'copying'],
    [4, 'target-created'],
  ] as const)(
    'a journal that cannot be saved from write %i on stops the move before the freeze (in %s): rolled back',
    async (from, state) => {
      const h = new Hosts();
      const w = await journalWriter(journal(), fullDiskFrom(from), clock);
      const end = await runMachine(h, modelHandlers(h), w);
      expect(end.state).toBe('rolled-back');
      expect(end.failure?.phase).toBe(PHASE_OF[state]);
      expect(end.failure?.error).toBeInstanceOf(JournalUnwritable);
      expect(String(end.failure?.error)).toMatch(/cannot be written: journal write .* ENOSPC/);
      expect([h.src, h.srcImages, h.tgt]).toEqual(['running', false, 'absent']);
    },
  );

  it('from the freeze on, a journal that cannot be saved does not stop the switchover', async () => {
    const h = new Hosts();
    const w = await journalWriter(journal(), fullDiskFrom(5), clock);
    const end = await runMachine(h, modelHandlers(h), w);
    expect(end).toMatchObject({ state: 'done', failure: undefined });
    expect(w.writeFailures[0]).toMatch(/^journal write \(frozen\) failed: ENOSPC/);
    expect([h.src, h.tgt]).toEqual(['absent', 'running']);
  });

  it('a crash after any journal write, then recovery: never two copies, exactly one at the end', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 12 }),
        fc.option(fc.constantFrom(...FORWARD), { nil: undefined }),
        async (writes, failIn) => {
          const h = new Hosts();
          const store = crashingStore(h, writes);
          const w = await journalWriter(journal(), store, clock);
          await runMachine(h, modelHandlers(h, failIn), w);
          // the process is dead: what is on disk and on the hosts is all a recovery has
          h.crashed = false;
          const disk = store.disk()!;
          if (disk.state === 'done' || disk.state === 'rolled-back') {
            expect(h.live()).toBe(1);
            return;
          }
          const d = decideRecovery(disk, {
            source: h.src === 'running' ? 'running' : h.src === 'stopped' ? 'stopped' : 'absent',
            target: h.tgt === 'running' ? 'running' : h.tgt === 'created' ? 'stopped' : 'absent',
            sourceImages: h.srcImages,
          });
          const rw = await journalWriter(disk, memoryJournalStore(), clock);
          if (d.action === 'finish') {
            if (rw.current.state !== 'target-running' && rw.current.state !== 'verified')
              await rw.step({ kind: 'target-running' });
          } else if (d.action === 'roll-back' || d.action === 'restore-source') {
            if (rw.current.state !== 'rolling-back') await rw.step({ kind: 'rolling-back', note: d.reason });
          } else {
            throw new Error(`recovery would need a person: ${d.action} (${d.reason}) in ${disk.state}`);
          }
          const end = await runMachine(h, backHandlers(h), rw);
          expect(['done', 'rolled-back']).toContain(end.state);
          expect(h.live()).toBe(1);
          expect(h.maxLive).toBe(1);
        },
      ),
      { numRuns: 300 },
    );
  });
});
