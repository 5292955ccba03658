/**
 * The receiver that the per-migration SSH key is bound to on the target (`command="sh <dir>/receive.sh"`).
 * It reads `SSH_ORIGINAL_COMMAND`, accepts only a fixed grammar and writes only inside the migration's
 * directory:
 * - `echo`: copies stdin to stdout (round-trip probe);
 * - `sink`: reads and discards stdin (bandwidth probe);
 * - `peer`: prints the client address of this SSH connection as the target's sshd sees it (the first word
 *   of `SSH_CONNECTION`), for the key line's `from=`;
 * - `full N`: `pagedelta apply - <dir>/rounds/N` (the first round sent: complete images);
 * - `apply N`: `pagedelta apply <dir>/rounds/N-1 <dir>/rounds/N` (a delta against the previous round);
 * - `image`: stdin (a `docker save` tar) into `<dir>/.image.tar.partial`, renamed to `<dir>/image.tar`;
 *   refused when `<dir>/image.tar` exists. Nothing else is done with it (`docker load` is run separately).
 * N is a round number without leading zeros, 0..999. A round is built in `rounds/.N.partial` and renamed
 * into place, so `rounds/N` is always a complete, valid image directory.
 *
 * The script itself is static text, `provider/engine/scripts/receive.sh`, read at run time. This module
 * also finds and reads the engine's other scripts in that folder (e.g. `flatten.sh` of `rounds.ts`).
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { InvalidInput, PrerequisiteMissing } from '../../errors';

/**
 * Where the engine's shell scripts live (static `.sh` files, checked by shellcheck in the fast CI stage),
 * relative to the root of a Ferry checkout or package.
 */
export const ENGINE_SCRIPTS_DIR = 'provider/engine/scripts';

/**
 * The path of engine script `name` (e.g. `receive.sh`): `ENGINE_SCRIPTS_DIR/name` in the nearest ancestor
 * of `start` that holds it, so it is found both from the sources and from the compiled `dist/`.
 * @throws PrerequisiteMissing when no ancestor holds it.
 */
export function engineScriptPath(
  name: string,
  start: string = __dirname,
  exists: (p: string) => boolean = existsSync,
): string {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, ENGINE_SCRIPTS_DIR, name);
    if (exists(candidate)) return candidate;
    if (path.dirname(dir) === dir) {
      throw new PrerequisiteMissing(
        `${ENGINE_SCRIPTS_DIR}/${name}`,
        `not found in any directory above ${start}`,
        {
          hint: 'run Ferry from a complete checkout or package',
        },
      );
    }
  }
}

const scriptBodies = new Map<string, string>();

/**
 * The code of engine script `name` as it is sent to hosts: the file without its leading comment block
 * (the shebang and header comment lines) and without trailing newlines. Read once per process.
 */
export function engineScriptBody(name: string): string {
  let body = scriptBodies.get(name);
  if (body === undefined) {
    const lines = readFileSync(engineScriptPath(name), 'utf8').split('\n');
    let first = 0;
    while (first < lines.length && lines[first]!.startsWith('#')) first++;
    body = lines.slice(first).join('\n').replace(/\n+$/, '');
    scriptBodies.set(name, body);
  }
  return body;
}

/** Paths are embedded in the script in single quotes: only these characters are allowed in them. */
const SAFE_PATH = /^\/[A-Za-z0-9_./-]*$/;

/** Checks a path for embedding into the script and into an authorized_keys `command="..."`. */
export function safeScriptPath(field: string, value: string): string {
  if (!SAFE_PATH.test(value) || value.includes('..')) {
    throw new InvalidInput(field, value, 'an absolute path of letters, digits and _ . / - (no "..")');
  }
  return value;
}

/**
 * The text of `receive.sh` for migration directory `dir` and the pagedelta binary at `pagedelta`: the static
 * script `provider/engine/scripts/receive.sh`, whose two arguments (`DIR PAGEDELTA`) are set by one
 * generated `set --` line in place of its header comments, so that `sh <dir>/receive.sh` needs none.
 */
export function receiveScript(dir: string, pagedelta: string): string {
  const d = safeScriptPath('dir', dir);
  const pd = safeScriptPath('pagedelta', pagedelta);
  return [
    '#!/bin/sh',
    `# Ferry: receiver of one migration (${ENGINE_SCRIPTS_DIR}/receive.sh and its arguments; generated,`,
    '# removed with the migration directory).',
    `set -- '${d}' '${pd}'`,
    engineScriptBody('receive.sh'),
    '',
  ].join('\n');
}

/**
 * The SSH_ORIGINAL_COMMAND words of a receiver command: a round (`full N` for the first round sent, else
 * `apply N`; `round` 0..999) or one of the word-only commands `echo`, `sink`, `peer` and `image`.
 */
export function receiveCommand(
  kind: 'full' | 'apply' | 'echo' | 'sink' | 'peer' | 'image',
  round?: number,
): string[] {
  if (kind === 'echo' || kind === 'sink' || kind === 'peer' || kind === 'image') return [kind];
  if (round === undefined || !Number.isInteger(round) || round < 0 || round > 999) {
    throw new InvalidInput('round', round, 'an integer 0..999');
  }
  if (kind === 'apply' && round === 0) throw new InvalidInput('round', round, 'at least 1 for apply');
  return [kind, String(round)];
}
