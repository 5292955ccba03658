import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  JOURNAL_SCHEMA,
  JOURNAL_SCHEMA_V1,
  addPendingCleanup,
  fileJournalStore,
  memoryJournalStore,
  newJournal,
  transition,
  withOwner,
  type Journal,
} from '../../../provider/engine/journal/journal';
import { InvalidInput } from '../../../provider/errors';
import { seconds } from '../../../provider/units';

const host = {
  name: 'h',
  address: 'a',
  port: 22,
  user: 'root',
  hostKey: 'k',
  dockerSocket: '/s',
  workDir: '/w',
};

const journal = (id: string): Journal =>
  newJournal(
    {
      migrationId: id,
      containerName: 'c',
      source: { cluster: 'a', host },
      target: { cluster: 'b', host },
      sourceContainerId: 'x',
      checkpointName: `ferry-${id}`,
      sourceDir: `/w/ferry-${id}`,
      targetDir: `/w/ferry-${id}`,
    },
    new Date(0),
  );

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-journal-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const modeOf = (p: string): number => fs.statSync(p).mode & 0o777;

describe('fileJournalStore', () => {
  it('writes, replaces and lists journals as 0600 JSON files in a 0700 directory', async () => {
    const dir = path.join(tmp, 'journal');
    const store = fileJournalStore(dir);
    const j = journal('m-1');
    await store.save(j);
    await store.save(transition(j, { kind: 'prepared' }, new Date(1)));
    expect((await store.load('m-1'))?.state).toBe('prepared');
    expect(await store.load('m-2')).toBeUndefined();
    expect((await store.list()).map((x) => x.migrationId)).toEqual(['m-1']);
    expect(modeOf(path.join(dir, 'm-1.json'))).toBe(0o600);
    expect(modeOf(dir)).toBe(0o700);
    expect(fs.readdirSync(dir)).toEqual(['m-1.json']);
    await expect(store.load('../etc/passwd')).rejects.toThrow(InvalidInput);
  });

  it('reads back exactly what it wrote, v2 fields included', async () => {
    const store = fileJournalStore(tmp);
    const owned = withOwner(
      journal('m-1'),
      { host: 'ctl', pid: 7, startedAt: '2026-11-22T01:00:00.000Z' },
      new Date('2026-11-22T02:00:00.000Z'),
      seconds(30),
    );
    const j: Journal = {
      ...addPendingCleanup(owned, { kind: 'remove-container', host: 'target', id: 'y' }),
      restartPolicy: 'always',
    };
    await store.save(j);
    expect(await store.load('m-1')).toEqual(j);
    expect(JSON.parse(fs.readFileSync(path.join(tmp, 'm-1.json'), 'utf8'))).toMatchObject({
      schema: JOURNAL_SCHEMA,
      lease: { ttlSeconds: 30 },
    });
  });

  it('reads a v1 file and upgrades it', async () => {
    fs.writeFileSync(
      path.join(tmp, 'm-1.json'),
      JSON.stringify({ ...journal('m-1'), schema: JOURNAL_SCHEMA_V1 }),
    );
    const j = await fileJournalStore(tmp).load('m-1');
    expect(j).toEqual(journal('m-1'));
  });

  it('scan reports each bad file in one line; list returns the good journals', async () => {
    const store = fileJournalStore(tmp);
    await store.save(journal('m-1'));
    await store.save(journal('m-2'));
    const write = (name: string, text: string): void => fs.writeFileSync(path.join(tmp, name), text);
    write('broken.json', '{"schema": "ferry.migr');
    write('empty.json', '');
    write('m-3.json', JSON.stringify({ ...journal('m-3'), state: 'bogus' }));
    write('m-4.json', JSON.stringify(journal('m-5')));
    write('notes.txt', 'not a journal');
    const scan = await store.scan();
    expect(scan.journals.map((j) => j.migrationId)).toEqual(['m-1', 'm-2']);
    expect(scan.bad.map((b) => path.basename(b.file))).toEqual([
      'broken.json',
      'empty.json',
      'm-3.json',
      'm-4.json',
    ]);
    for (const b of scan.bad) {
      expect(b.error).toContain(b.file);
      expect(b.error).not.toContain('\n');
    }
    expect(scan.bad[2]?.error).toMatch(
      /^invalid state in .*m-3\.json: got "bogus", expected one of started,/,
    );
    expect(scan.bad[3]?.error).toMatch(/^invalid migrationId in .*m-4\.json: got "m-5", expected "m-4"/);
    expect((await store.list()).map((j) => j.migrationId)).toEqual(['m-1', 'm-2']);
    await expect(store.load('m-3')).rejects.toThrow(/invalid state in .*m-3\.json/);
  });

  it('never writes a private key (or any field it does not know) to disk', async () => {
    const secret = { ...host, privateKey: '-----BEGIN OPENSSH PRIVATE KEY----- SECRET', password: 'hunter2' };
    const store = fileJournalStore(tmp);
    const built = newJournal({ ...journal('m-1'), source: { cluster: 'a', host: secret } }, new Date(0));
    const byHand: Journal = { ...journal('m-2'), target: { cluster: 'b', host: secret } };
    await store.save(built);
    await store.save(byHand);
    for (const f of fs.readdirSync(tmp)) {
      const text = fs.readFileSync(path.join(tmp, f), 'utf8');
      expect(text).not.toContain('SECRET');
      expect(text).not.toContain('privateKey');
      expect(text).not.toContain('hunter2');
    }
    expect((await store.load('m-2'))?.target.host).toEqual(host);
  });

  it('refuses to save a journal it could not read back, and writes nothing', async () => {
    const store = fileJournalStore(tmp);
    await expect(store.save({ ...journal('m-1'), checkpointName: '' })).rejects.toThrow(
      /^invalid checkpointName in journal m-1/,
    );
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  it('lists nothing when the directory does not exist', async () => {
    const store = fileJournalStore(path.join(tmp, 'none'));
    expect(await store.list()).toEqual([]);
    expect(await store.scan()).toEqual({ journals: [], bad: [] });
  });
});

describe('memoryJournalStore', () => {
  it('keeps what a file store would read back', async () => {
    const store = memoryJournalStore();
    await store.save({
      ...journal('m-1'),
      source: { cluster: 'a', host: { ...host, privateKey: 'SECRET' } },
    });
    expect(JSON.stringify(await store.load('m-1'))).not.toContain('SECRET');
    expect(await store.scan()).toEqual({ journals: [journal('m-1')], bad: [] });
    await expect(store.save({ ...journal('m-2'), sourceDir: '' })).rejects.toThrow(InvalidInput);
  });
});
