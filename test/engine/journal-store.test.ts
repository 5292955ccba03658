import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileJournalStore, newJournal, transition } from '../../provider/engine/journal';
import { InvalidInput } from '../../provider/errors';

describe('fileJournalStore', () => {
  it('writes, replaces and lists journals as 0600 JSON files', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-journal-'));
    try {
      const store = fileJournalStore(dir);
      const host = {
        name: 'h',
        address: 'a',
        port: 22,
        user: 'root',
        hostKey: 'k',
        dockerSocket: '/s',
        workDir: '/w',
      };
      const j = newJournal(
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
      await store.save(j);
      await store.save(transition(j, { kind: 'prepared' }, new Date(1)));
      expect((await store.load('m-1'))?.state).toBe('prepared');
      expect(await store.load('m-2')).toBeUndefined();
      expect((await store.list()).map((x) => x.migrationId)).toEqual(['m-1']);
      expect(fs.statSync(path.join(dir, 'm-1.json')).mode & 0o777).toBe(0o600);
      await expect(store.load('../etc/passwd')).rejects.toThrow(InvalidInput);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lists nothing when the directory does not exist', async () => {
    expect(await fileJournalStore(path.join(os.tmpdir(), `ferry-none-${process.pid}`)).list()).toEqual([]);
  });
});
