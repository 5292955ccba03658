/**
 * A Ferry process killed mid-migration (SIGKILL right after the final checkpoint stopped the source), then
 * `recover`: the container must run again on the source with its counter intact, the target must be clean.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileJournalStore } from '../../../provider/engine/journal/journal';
import { recover } from '../../../provider/engine/recovery/recover';
import type { Testbed } from '../../../testbed';
import {
  bedAt50ms,
  connectBoth,
  copies,
  leftovers,
  sleep,
  startDirtier,
  testDeps,
  ticks,
  type Hosts,
} from '../support';

jest.setTimeout(300_000);

let bed: Testbed;
let h: Hosts;
let home: string;
const NAME = `it-recover-${process.pid}`;

beforeAll(async () => {
  bed = await bedAt50ms();
  h = await connectBoth(bed);
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-home-'));
});

afterAll(async () => {
  await h?.ha.runtime.remove(NAME, { force: true });
  await h?.hb.runtime.remove(NAME, { force: true });
  await h?.ha.close();
  await h?.hb.close();
  fs.rmSync(home, { recursive: true, force: true });
});

/** Polls the journal dir until some journal reaches `state`; resolves its id. */
async function journalReaches(
  dir: string,
  state: string,
  limitMs: number,
  exitCode: () => number | null | undefined,
): Promise<string> {
  const store = fileJournalStore(dir);
  for (const until = Date.now() + limitMs; Date.now() < until;) {
    const code = exitCode();
    if (code !== undefined)
      throw new Error(`ferry migrate exited (code ${code}) before a journal reached ${state}`);
    const j = (await store.list().catch(() => [])).find((x) => x.state === state);
    if (j) return j.migrationId;
    await sleep(20);
  }
  throw new Error(`no journal reached ${state} in ${limitMs} ms`);
}

it('a migration killed after the final checkpoint is rolled back by recover', async () => {
  await startDirtier(h.ha, NAME, ['--mib', '32', '--dirty-mib-s', '2', '--tick-ms', '100']);
  await sleep(1500);
  const before = await ticks(h.ha, NAME);
  // the ferry command as users run it (dist/ when built, else the sources through ts-node)
  const ferry = path.join(__dirname, '../../../bin/ferry');
  const child = spawn(
    process.execPath,
    [
      ferry,
      'migrate',
      NAME,
      '--from',
      'cluster-a',
      '--to',
      'cluster-b',
      '--strategy',
      'stop-and-copy',
      '--clusters-file',
      bed.paths.clustersFile,
    ],
    { env: { ...process.env, HOME: home }, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) =>
    child.on('exit', (code) => {
      exitCode = code;
      resolve();
    }),
  );
  const dir = path.join(home, '.ferry', 'journal');
  const id = await journalReaches(dir, 'frozen', 120_000, () => exitCode);
  child.kill('SIGKILL');
  await exited;
  expect((await h.ha.runtime.inspect(NAME))?.state).not.toBe('running');

  const deps = { ...testDeps(), journal: fileJournalStore(dir) };
  const results = await recover(deps);
  expect(results.map((r) => r.action)).toEqual(['restore-source']);
  expect((await fileJournalStore(dir).list())[0]?.state).toBe('rolled-back');
  expect(await copies(h.ha, NAME)).toEqual(['running']);
  expect(await copies(h.hb, NAME)).toEqual([]);
  expect(await leftovers(h.hb, id)).toBe('');
  expect(await leftovers(h.ha, id)).toBe('');
  await sleep(1500);
  const after = await ticks(h.ha, NAME);
  expect(after[after.length - 1]).toBeGreaterThan(before[before.length - 1]!);
  // a second recover finds nothing to do
  expect(await recover(deps)).toEqual([]);
});
