/**
 * Where journals are kept: JSON files on the controlling machine, written crash-safely (temp file, fsync,
 * rename, fsync of the directory) and parsed with the journal schema when read back; or memory, for tests.
 */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { InvalidInput } from '../../errors';
import type { Journal } from './journal';
import { journalToJson, MIGRATION_ID_PATTERN, parseJournal } from './journal-schema';

/** A journal file that could not be read back. */
export interface BadJournal {
  /** Path of the file. */
  readonly file: string;
  /** What is wrong with it, in one line (names the file and the first bad field). */
  readonly error: string;
}

/** Everything a store holds: the journals it could read and the files it could not. */
export interface JournalScan {
  /** The readable journals, by migration id. */
  readonly journals: Journal[];
  /** The unreadable files. */
  readonly bad: BadJournal[];
}

/** Where journals are kept. */
export interface JournalStore {
  /**
   * Writes the journal (replacing the previous version of the same migration id), host secrets stripped.
   * @throws InvalidInput when it does not match the journal schema (nothing is written then).
   */
  save(journal: Journal): Promise<void>;
  /**
   * The journal of a migration, or `undefined`.
   * @throws InvalidInput when its file cannot be parsed (the message names the file and the field).
   */
  load(migrationId: string): Promise<Journal | undefined>;
  /** All readable journals; unreadable files are skipped (see {@link JournalStore.scan}). Never throws for one. */
  list(): Promise<Journal[]>;
  /** All readable journals and every unreadable file with its error. */
  scan(): Promise<JournalScan>;
}

/** The journal directory: `$FERRY_JOURNAL_DIR`, else `~/.ferry/journal`. */
export function defaultJournalDir(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env[JOURNAL_DIR_ENV];
  return dir !== undefined && dir !== '' ? dir : path.join(os.homedir(), '.ferry', 'journal');
}

/** The environment variable naming the journal directory (default `~/.ferry/journal`). */
export const JOURNAL_DIR_ENV = 'FERRY_JOURNAL_DIR';

/** The `code` of a Node system error (checked by shape: errors may come from another realm, e.g. under jest). */
function errnoOf(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string'
    ? e.code
    : undefined;
}

const firstLine = (e: unknown): string =>
  (typeof e === 'object' && e !== null && 'message' in e && typeof e.message === 'string'
    ? e.message
    : String(e)
  ).split('\n')[0] ?? '';

/** Parses the text of journal file `file`. @throws InvalidInput naming the file and the first bad field. */
function parseJournalText(text: string, file: string): Journal {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InvalidInput(file, text.slice(0, 40), `a JSON journal (${firstLine(e)})`);
  }
  const parsed = parseJournal(value, file);
  if (!parsed.ok) throw parsed.error;
  const expectedId = path.basename(file, '.json');
  if (parsed.journal.migrationId !== expectedId)
    throw new InvalidInput(
      `migrationId in ${file}`,
      parsed.journal.migrationId,
      `"${expectedId}" (the file name)`,
    );
  return parsed.journal;
}

/** fsync of directory `dir`, so that a rename in it survives a crash (skipped where directories cannot be). */
async function syncDir(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch (e) {
    if (!['EISDIR', 'EINVAL', 'EPERM', 'ENOTSUP'].includes(errnoOf(e) ?? '')) throw e;
  } finally {
    await handle?.close();
  }
}

let tmpCounter = 0;

/**
 * A journal store of JSON files `<dir>/<migrationId>.json` (mode 0600, in a directory made 0700). A save
 * writes a temp file, fsyncs it, renames it over the old file and fsyncs the directory, so that after a crash
 * the file holds either the old or the new journal, whole.
 */
export function fileJournalStore(dir: string = defaultJournalDir()): JournalStore {
  const file = (id: string): string => {
    if (!MIGRATION_ID_PATTERN.test(id)) throw new InvalidInput('migrationId', id, 'letters, digits and -');
    return path.join(dir, `${id}.json`);
  };
  const scan = async (): Promise<JournalScan> => {
    let names: string[];
    try {
      names = await fs.readdir(dir);
    } catch (e) {
      if (errnoOf(e) === 'ENOENT') return { journals: [], bad: [] };
      throw e;
    }
    const journals: Journal[] = [];
    const bad: BadJournal[] = [];
    for (const n of names.filter((x) => x.endsWith('.json')).sort()) {
      const f = path.join(dir, n);
      try {
        journals.push(parseJournalText(await fs.readFile(f, 'utf8'), f));
      } catch (e) {
        bad.push({ file: f, error: firstLine(e) });
      }
    }
    return { journals, bad };
  };
  return {
    async save(journal) {
      const target = file(journal.migrationId);
      const text = journalToJson(journal, `journal ${journal.migrationId} (not saved)`);
      if ((await fs.mkdir(dir, { recursive: true, mode: 0o700 })) !== undefined) await fs.chmod(dir, 0o700);
      const tmp = `${target}.tmp-${process.pid}-${++tmpCounter}`;
      const handle = await fs.open(tmp, 'wx', 0o600);
      try {
        try {
          await handle.chmod(0o600);
          await handle.writeFile(text, 'utf8');
          await handle.sync();
        } finally {
          await handle.close();
        }
        await fs.rename(tmp, target);
      } catch (e) {
        await fs.rm(tmp, { force: true });
        throw e;
      }
      await syncDir(dir);
    },
    async load(id) {
      const f = file(id);
      let text: string;
      try {
        text = await fs.readFile(f, 'utf8');
      } catch (e) {
        if (errnoOf(e) === 'ENOENT') return undefined;
        throw e;
      }
      return parseJournalText(text, f);
    },
    async list() {
      return (await scan()).journals;
    },
    scan,
  };
}

/**
 * A journal store in memory (tests, and callers that do not want files). A save goes through the same
 * JSON and schema as a file, so what it keeps is what a file store would read back.
 */
export function memoryJournalStore(): JournalStore & { readonly journals: Map<string, Journal> } {
  const journals = new Map<string, Journal>();
  return {
    journals,
    async save(j) {
      journals.set(
        j.migrationId,
        parseJournalText(journalToJson(j, `journal ${j.migrationId}`), `${j.migrationId}.json`),
      );
    },
    async load(id) {
      return journals.get(id);
    },
    async list() {
      return [...journals.values()];
    },
    async scan() {
      return { journals: [...journals.values()], bad: [] };
    },
  };
}
