import fc from 'fast-check';
import {
  JOURNAL_STATES,
  addPendingCleanup,
  canTransition,
  newJournal,
  parseJournal,
  removePendingCleanup,
  sameCleanupStep,
  transition,
  type CleanupStep,
  type Journal,
  type JournalEvent,
  type JournalState,
} from '../../../provider/engine/journal/journal';
import { InvalidInput } from '../../../provider/errors';

/** The transition table as the design states it, written out independently of the engine's. */
const NEXT: Readonly<Record<JournalState, readonly JournalState[]>> = {
  started: ['prepared', 'rolling-back', 'fenced', 'failed'],
  prepared: ['copying', 'target-created', 'rolling-back', 'fenced', 'failed'],
  copying: ['target-created', 'rolling-back', 'fenced', 'failed'],
  // target-running from target-created and frozen: only a recovery that finds the target running, where a
  // full controller disk kept the journal from recording the switchover
  'target-created': ['frozen', 'target-running', 'rolling-back', 'fenced', 'failed'],
  frozen: ['restoring', 'target-running', 'rolling-back', 'fenced', 'failed'],
  restoring: ['target-running', 'rolling-back', 'fenced', 'failed'],
  'target-running': ['verified', 'rolling-back', 'fenced', 'failed'],
  verified: ['done', 'fenced', 'failed'],
  done: [],
  'rolling-back': ['rolling-back', 'rolled-back', 'fenced', 'failed'],
  'rolled-back': [],
  fenced: ['fenced', 'rolling-back', 'target-running', 'verified', 'failed'],
  failed: [],
};

const host = {
  name: 'h',
  address: 'a',
  port: 22,
  user: 'root',
  hostKey: 'k',
  dockerSocket: '/s',
  workDir: '/w',
};
const start = newJournal(
  {
    migrationId: 'm-1',
    containerName: 'c',
    source: { cluster: 'a', host },
    target: { cluster: 'b', host },
    sourceContainerId: 'x',
    checkpointName: 'ferry-m-1',
    sourceDir: '/w/ferry-m-1',
    targetDir: '/w/ferry-m-1',
  },
  new Date(0),
);

function eventInto(kind: JournalState): JournalEvent {
  switch (kind) {
    case 'started':
      throw new Error('no event enters started');
    case 'target-created':
      return { kind, targetContainerId: 'y' };
    case 'rolling-back':
    case 'failed':
      return { kind, note: 'why' };
    case 'fenced':
      return { kind, fence: { reason: 'r', check: 'c', command: 'ferry migrate --recover' } };
    default:
      return { kind };
  }
}

const state = fc.constantFrom(...JOURNAL_STATES);
const enterable = fc.constantFrom(...JOURNAL_STATES.filter((s) => s !== 'started'));

describe('journal state machine (properties)', () => {
  it('the engine table is the design table', () => {
    for (const from of JOURNAL_STATES)
      for (const to of JOURNAL_STATES)
        expect([from, to, canTransition(from, to)]).toEqual([from, to, NEXT[from].includes(to)]);
  });

  it('any walk of allowed events keeps history ending with state, one entry per event, and stays storable', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 30 }), fc.integer({ min: 0, max: 1e12 }), (choices, t0) => {
        let j: Journal = start;
        for (const [i, c] of choices.entries()) {
          const options = NEXT[j.state];
          if (options.length === 0) break;
          j = transition(j, eventInto(options[c % options.length]!), new Date(t0 + i * 1000));
          expect(j.history[j.history.length - 1]?.state).toBe(j.state);
          expect(j.history).toHaveLength(i + 2);
          expect(j.fence !== undefined).toBe(j.state === 'fenced');
        }
        const back = parseJournal(JSON.parse(JSON.stringify(j)), 'walk');
        expect(back).toEqual({ ok: true, journal: j });
      }),
    );
  });

  it('transition accepts exactly the transitions in the table', () => {
    fc.assert(
      fc.property(state, enterable, (from, to) => {
        const j: Journal = { ...start, state: from, history: [...start.history, { state: from, at: 'x' }] };
        if (NEXT[from].includes(to)) {
          expect(transition(j, eventInto(to), new Date(0)).state).toBe(to);
        } else {
          expect(() => transition(j, eventInto(to), new Date(0))).toThrow(InvalidInput);
        }
      }),
    );
  });
});

const text = fc.string({ minLength: 1, maxLength: 8 });
const side = fc.constantFrom<'source' | 'target'>('source', 'target');
const step: fc.Arbitrary<CleanupStep> = fc.oneof(
  fc.record({
    kind: fc.constant('control-master' as const),
    host: fc.constant('source' as const),
    socket: text,
  }),
  fc.record({
    kind: fc.constant('key-line' as const),
    host: fc.constant('target' as const),
    file: text,
    migrationId: text,
  }),
  fc.record({ kind: fc.constant('remove-dir' as const), host: side, root: text, path: text }),
  fc.record({ kind: fc.constant('remove-container' as const), host: side, id: text }),
  fc.record({ kind: fc.constant('restart-policy' as const), host: side, containerId: text, policy: text }),
);

describe('pending cleanup', () => {
  it('adds each step once and removes it by structure, whatever the key order', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 12 }), (steps) => {
        let j = steps.reduce(addPendingCleanup, start);
        j = steps.reduce(addPendingCleanup, j);
        const pending = j.pendingCleanup ?? [];
        expect(pending.length).toBe(new Set(steps.map((s) => JSON.stringify(s))).size);
        for (const s of steps) expect(pending.filter((p) => sameCleanupStep(p, s))).toHaveLength(1);
        // a copy with the keys in reverse order is the same step
        const reversed = steps.map((s) => Object.fromEntries(Object.entries(s).reverse()) as CleanupStep);
        expect(reversed.reduce(removePendingCleanup, j).pendingCleanup ?? []).toEqual([]);
      }),
    );
  });

  it.each<[CleanupStep, CleanupStep, boolean]>([
    [
      { kind: 'remove-container', host: 'target', id: 'y' },
      { kind: 'remove-container', host: 'target', id: 'y' },
      true,
    ],
    [
      { kind: 'remove-container', host: 'target', id: 'y' },
      { kind: 'remove-container', host: 'source', id: 'y' },
      false,
    ],
    [
      { kind: 'control-master', host: 'source', socket: '/s' },
      { kind: 'remove-container', host: 'target', id: '/s' },
      false,
    ],
    [
      { kind: 'remove-dir', host: 'source', root: '/w', path: '/w/a' },
      { kind: 'remove-dir', host: 'source', root: '/w', path: '/w/b' },
      false,
    ],
  ])('sameCleanupStep(%j, %j) = %s', (a, b, same) => {
    expect(sameCleanupStep(a, b)).toBe(same);
    expect(sameCleanupStep(b, a)).toBe(same);
  });

  it('removing a step that is not pending changes nothing', () => {
    const j = addPendingCleanup(start, { kind: 'control-master', host: 'source', socket: '/s' });
    expect(removePendingCleanup(j, { kind: 'control-master', host: 'source', socket: '/t' })).toBe(j);
    expect(removePendingCleanup(start, { kind: 'control-master', host: 'source', socket: '/s' })).toBe(start);
  });
});
