import fc from 'fast-check';
import {
  JOURNAL_SCHEMA,
  JOURNAL_SCHEMA_V1,
  journalToJson,
  newJournal,
  parseJournal,
  type Journal,
} from '../../../provider/engine/journal/journal';
import { InvalidInput } from '../../../provider/errors';
import { seconds } from '../../../provider/units';

const host = {
  name: 'host-1',
  address: '198.18.1.2',
  port: 22,
  user: 'root',
  privateKeyPath: '/keys/id_ed25519',
  hostKey: 'ssh-ed25519 AAAA',
  dockerSocket: '/run/docker.sock',
  workDir: '/work',
  peers: { 'cluster-b/host-1': { address: '10.0.0.2', port: 2222 } },
};

/** A journal file as Ferry before v2 wrote it (the v1 shape). */
const v1File = {
  schema: JOURNAL_SCHEMA_V1,
  migrationId: '20261122-020000-abcdef',
  containerName: 'w1',
  source: { cluster: 'cluster-a', host },
  target: { cluster: 'cluster-b', host: { ...host, name: 'host-2', authorizedKeysFile: '.ssh/ak' } },
  sourceContainerId: 'a'.repeat(64),
  targetContainerId: 'b'.repeat(64),
  checkpointName: 'ferry-20261122-020000-abcdef',
  sourceDir: '/work/ferry-20261122-020000-abcdef',
  targetDir: '/work/ferry-20261122-020000-abcdef',
  authorizedKeysFile: '.ssh/authorized_keys',
  sourcePagedelta: '/work/bin/pagedelta',
  state: 'frozen',
  history: [
    { state: 'started', at: '2026-11-22T02:00:00.000Z' },
    { state: 'prepared', at: '2026-11-22T02:00:01.000Z' },
    { state: 'target-created', at: '2026-11-22T02:00:02.000Z' },
    { state: 'frozen', at: '2026-11-22T02:00:03.000Z', note: 'final dump' },
  ],
};

/** The same migration written by v2, with every new field. */
const v2File = {
  ...v1File,
  schema: JOURNAL_SCHEMA,
  restartPolicy: 'unless-stopped',
  owner: { host: 'controller', pid: 4242, startedAt: '2026-11-22T01:59:58.120Z' },
  lease: { renewedAt: '2026-11-22T02:00:03.000Z', ttlSeconds: 60 },
  pendingCleanup: [
    { kind: 'control-master', host: 'source', socket: '/home/u/.ferry/cm-1' },
    { kind: 'key-line', host: 'target', file: '.ssh/authorized_keys', migrationId: '20261122-020000-abcdef' },
    { kind: 'remove-dir', host: 'source', root: '/work', path: '/work/ferry-20261122-020000-abcdef' },
    { kind: 'remove-container', host: 'target', id: 'b'.repeat(64) },
    { kind: 'restart-policy', host: 'source', containerId: 'a'.repeat(64), policy: 'unless-stopped' },
  ],
  state: 'fenced',
  fence: {
    reason: 'target unreachable',
    check: 'that w1 is gone on cluster-b',
    command: 'ferry migrate --recover',
  },
  history: [
    ...v1File.history,
    { state: 'fenced', at: '2026-11-22T02:00:09.000Z', note: 'target unreachable' },
  ],
};

function parsed(value: unknown): Journal {
  const r = parseJournal(value, 'journal.json');
  if (!r.ok) throw r.error;
  return r.journal;
}

function failure(value: unknown): InvalidInput {
  const r = parseJournal(value, 'journal.json');
  if (r.ok) throw new Error('expected the journal to be refused');
  return r.error;
}

describe('journal schema', () => {
  it('reads a v1 journal and upgrades it to v2', () => {
    const j = parsed(v1File);
    expect(j).toEqual({ ...v1File, schema: JOURNAL_SCHEMA });
    expect(j.owner).toBeUndefined();
    expect(j.pendingCleanup).toBeUndefined();
  });

  it('reads a v2 journal with owner, lease, pending cleanup and fence', () => {
    const j = parsed(v2File);
    expect(j).toEqual(v2File);
    expect(j.lease?.ttlSeconds).toBe(seconds(60));
  });

  it('drops a private key found in a stored host', () => {
    const j = parsed({
      ...v1File,
      source: { cluster: 'cluster-a', host: { ...host, privateKey: 'SECRET' } },
    });
    expect(j.source.host).toEqual(host);
  });

  const set = (patch: Record<string, unknown>): unknown => ({ ...v2File, ...patch });
  it.each<[string, unknown, string]>([
    ['not an object', 5, 'invalid journal.json: got 5'],
    ['an unknown schema', set({ schema: 'ferry.migration-journal/v9' }), 'invalid schema in journal.json'],
    ['no schema', { ...v1File, schema: undefined }, 'invalid schema in journal.json'],
    ['an unknown state', set({ state: 'bogus' }), 'invalid state in journal.json: got "bogus"'],
    ['fenced in a v1 journal', { ...v1File, state: 'fenced' }, 'invalid state in journal.json'],
    ['an empty history', set({ history: [] }), 'invalid history in journal.json'],
    [
      'a history time that is not ISO',
      set({ history: [{ state: 'started', at: 'yesterday' }] }),
      'invalid history[0].at in journal.json: got "yesterday"',
    ],
    [
      'a port that is a string',
      set({ source: { cluster: 'a', host: { ...host, port: '22' } } }),
      'invalid source.host.port in journal.json',
    ],
    [
      'a negative lease',
      set({ lease: { renewedAt: '2026-11-22T02:00:03.000Z', ttlSeconds: -1 } }),
      'invalid lease.ttlSeconds in journal.json: got -1',
    ],
    [
      'a fractional pid',
      set({ owner: { host: 'h', pid: 1.5, startedAt: '2026-11-22T02:00:00.000Z' } }),
      'invalid owner.pid in journal.json: got 1.5',
    ],
    [
      'an unknown cleanup step',
      set({ pendingCleanup: [{ kind: 'reboot' }] }),
      'invalid pendingCleanup[0].kind',
    ],
    [
      'a key line on the source',
      set({ pendingCleanup: [{ kind: 'key-line', host: 'source', file: 'f', migrationId: 'm' }] }),
      'invalid pendingCleanup[0].host in journal.json: got "source"',
    ],
    ['an unknown field', set({ extra: true }), 'invalid extra in journal.json: got true'],
    ['a fence without a command', set({ fence: { reason: 'r', check: 'c' } }), 'invalid fence.command'],
    ['a migration id with a slash', set({ migrationId: '../x' }), 'invalid migrationId in journal.json'],
  ])('refuses %s in one line naming the field', (_what, value, start) => {
    const e = failure(value);
    expect(e).toBeInstanceOf(InvalidInput);
    expect(e.message.startsWith(start)).toBe(true);
    expect(e.message).not.toContain('\n');
    expect(e.message).toContain(', expected ');
  });

  it('never throws on arbitrary JSON, and refuses it in one line', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const r = parseJournal(value, 'x.json');
        return !r.ok && r.error.message.startsWith('invalid ') && !r.error.message.includes('\n');
      }),
    );
  });
});

describe('journalToJson', () => {
  const withKey = { ...host, privateKey: '-----BEGIN OPENSSH PRIVATE KEY----- SECRET' };
  const base = newJournal(
    {
      migrationId: 'm-1',
      containerName: 'w1',
      source: { cluster: 'a', host: withKey },
      target: { cluster: 'b', host: withKey },
      sourceContainerId: 'x',
      checkpointName: 'ferry-m-1',
      sourceDir: '/w/ferry-m-1',
      targetDir: '/w/ferry-m-1',
    },
    new Date(0),
  );

  it('leaves out private keys and fields the schema does not know, even in a journal built by hand', () => {
    const secretHost = { ...withKey, password: 'hunter2' };
    const j: Journal = {
      ...base,
      source: { cluster: 'a', host: secretHost },
      target: { cluster: 'b', host: secretHost },
    };
    const text = journalToJson(j, 'm-1');
    expect(text).not.toContain('SECRET');
    expect(text).not.toContain('hunter2');
    expect(parsed(JSON.parse(text))).toEqual({
      ...base,
      source: { cluster: 'a', host },
      target: { cluster: 'b', host },
    });
  });

  it('refuses a journal it could not read back', () => {
    expect(() => journalToJson({ ...base, sourceDir: '' }, 'journal m-1')).toThrow(
      /^invalid sourceDir in journal m-1: got "", expected/,
    );
  });
});
