import { InvalidInput } from '../../../provider/errors';
import {
  isTerminal,
  memoryJournalStore,
  newJournal,
  transition,
  type Journal,
  type JournalEvent,
  type JournalState,
} from '../../../provider/engine/journal/journal';

const at = new Date('2026-11-22T02:00:00Z');
const host = {
  name: 'host-1',
  address: '198.18.1.2',
  port: 22,
  user: 'root',
  privateKey: 'SECRET',
  hostKey: 'ssh-ed25519 AAAA',
  dockerSocket: '/run/docker.sock',
  workDir: '/work',
};

function journalIn(state: JournalState): Journal {
  const j = newJournal(
    {
      migrationId: 'm1',
      containerName: 'w1',
      source: { cluster: 'cluster-a', host },
      target: { cluster: 'cluster-b', host },
      sourceContainerId: 'a'.repeat(64),
      checkpointName: 'ferry-m1',
      sourceDir: '/work/ferry-m1',
      targetDir: '/work/ferry-m1',
    },
    at,
  );
  return { ...j, state };
}

const fence = {
  reason: 'target unreachable',
  check: 'that w1 is gone on cluster-b',
  command: 'ferry migrate --recover',
};

const ev = (kind: JournalState): JournalEvent =>
  kind === 'target-created'
    ? { kind, targetContainerId: 'b'.repeat(64) }
    : kind === 'rolling-back' || kind === 'failed'
      ? { kind, note: 'why' }
      : kind === 'fenced'
        ? { kind, fence }
        : ({ kind } as JournalEvent);

describe('journal transitions', () => {
  it.each<[JournalState, JournalState]>([
    ['started', 'prepared'],
    ['prepared', 'copying'],
    ['prepared', 'target-created'],
    ['copying', 'target-created'],
    ['target-created', 'frozen'],
    ['frozen', 'restoring'],
    ['restoring', 'target-running'],
    ['target-running', 'verified'],
    ['verified', 'done'],
    ['copying', 'rolling-back'],
    ['frozen', 'rolling-back'],
    ['target-running', 'rolling-back'],
    ['rolling-back', 'rolled-back'],
    ['rolling-back', 'failed'],
    ['verified', 'failed'],
    ['started', 'fenced'],
    ['copying', 'fenced'],
    ['frozen', 'fenced'],
    ['restoring', 'fenced'],
    ['verified', 'fenced'],
    ['rolling-back', 'fenced'],
    ['fenced', 'fenced'],
    ['fenced', 'rolling-back'],
    ['fenced', 'target-running'],
    ['fenced', 'verified'],
    ['fenced', 'failed'],
  ])('%s -> %s is allowed', (from, to) => {
    const j = transition(journalIn(from), ev(to), at);
    expect(j.state).toBe(to);
    expect(j.history[j.history.length - 1]).toMatchObject({ state: to, at: at.toISOString() });
  });

  it.each<[JournalState, JournalState]>([
    ['started', 'frozen'],
    ['copying', 'restoring'],
    ['prepared', 'done'],
    ['verified', 'rolling-back'],
    ['done', 'rolling-back'],
    ['rolled-back', 'prepared'],
    ['frozen', 'verified'],
    ['copying', 'target-running'],
    ['done', 'fenced'],
    ['rolled-back', 'fenced'],
    ['failed', 'fenced'],
    ['fenced', 'done'],
    ['fenced', 'rolled-back'],
    ['fenced', 'restoring'],
    ['fenced', 'prepared'],
  ])('%s -> %s is refused', (from, to) => {
    expect(() => transition(journalIn(from), ev(to), at)).toThrow(InvalidInput);
  });

  it('records the target container id and notes', () => {
    const j = transition(journalIn('copying'), ev('target-created'), at);
    expect(j.targetContainerId).toBe('b'.repeat(64));
    const r = transition(j, { kind: 'rolling-back', note: 'link cut' }, at);
    expect(r.history[r.history.length - 1]?.note).toBe('link cut');
  });

  it('a fenced journal says what to check until it moves on', () => {
    const f = transition(journalIn('frozen'), ev('fenced'), at);
    expect(f.fence).toEqual(fence);
    expect(f.history[f.history.length - 1]?.note).toBe('target unreachable');
    const r = transition(f, ev('rolling-back'), at);
    expect(r.fence).toBeUndefined();
    expect('fence' in r).toBe(false);
    expect(r.state).toBe('rolling-back');
  });

  it('never stores a private key', () => {
    const j = journalIn('started');
    expect(JSON.stringify(j)).not.toContain('SECRET');
    expect(j.history).toEqual([{ state: 'started', at: at.toISOString() }]);
  });

  it.each<[JournalState, boolean]>([
    ['done', true],
    ['rolled-back', true],
    ['failed', true],
    ['frozen', false],
    ['started', false],
    ['fenced', false],
    ['rolling-back', false],
  ])('isTerminal(%s) = %s', (s, t) => expect(isTerminal(s)).toBe(t));

  it('memory store keeps the latest version', async () => {
    const store = memoryJournalStore();
    const j = journalIn('started');
    await store.save(j);
    await store.save(transition(j, ev('prepared'), at));
    expect((await store.load('m1'))?.state).toBe('prepared');
    expect(await store.list()).toHaveLength(1);
  });
});
