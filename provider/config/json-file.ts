/**
 * Reading JSON files that users hand to Ferry (clusters files, calibration profiles, migration reports):
 * every failure is one `InvalidInput` line naming the file. The schemas that check the parsed value are
 * the callers'.
 */
import * as fs from 'node:fs';
import { InvalidInput } from '../errors';

/** The message of `e` on one line: runs of whitespace (newlines too) become one space. */
export function oneLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ').trim();
}

/** Why a file could not be read, in a few words (`no such file`, `is a directory`, or the error). */
function readError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'EACCES') return 'permission denied';
  return oneLine(e);
}

/**
 * The parsed JSON value of `text`, read from `file`.
 * @param what - what the file is, e.g. `clusters file`.
 * @param expected - what its text should be, e.g. `JSON, as ferry migrate --json prints`.
 * @throws InvalidInput naming the file, with the parser's message on one line.
 */
export function parseJsonText(text: string, file: string, what: string, expected = 'JSON'): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InvalidInput(`${what} ${file}`, '(not JSON)', `${expected} (${oneLine(e)})`);
  }
}

/**
 * Reads `file` and parses it as JSON.
 * @param field - the option or setting that named the file, for the message (e.g. `--clusters-file`).
 * @param hint - appended to the reason the file could not be read (e.g. where such files come from).
 * @throws InvalidInput when it cannot be read or is not JSON.
 */
export function readJsonFileSync(
  file: string,
  field: string,
  what: string,
  opts: { readonly hint?: string; readonly expected?: string } = {},
): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const hint = opts.hint !== undefined ? `; ${opts.hint}` : '';
    throw new InvalidInput(field, file, `a readable ${what} (${readError(e)}${hint})`);
  }
  return parseJsonText(text, file, what, opts.expected);
}

/** {@link readJsonFileSync}, reading asynchronously. */
export async function readJsonFile(
  file: string,
  field: string,
  what: string,
  opts: { readonly hint?: string; readonly expected?: string } = {},
): Promise<unknown> {
  let text: string;
  try {
    text = await fs.promises.readFile(file, 'utf8');
  } catch (e) {
    const hint = opts.hint !== undefined ? `; ${opts.hint}` : '';
    throw new InvalidInput(field, file, `a readable ${what} (${readError(e)}${hint})`);
  }
  return parseJsonText(text, file, what, opts.expected);
}
