/**
 * Small remote helpers shared by the phases: run an argv with a time limit, read a text, write a file,
 * and track containerd's `/tmp/ctrd-checkpoint*` copies so that those made during a migration are removed.
 */
import { InvalidInput } from '../../errors';
import { run, runText } from '../../hosts/run';
import type { RemoteShell } from '../../hosts/remote-shell';
import type { Duration } from '../../units';
import { writeFileArgv } from './data-path-commands';

/** Runs `argv` on `shell`; throws `CommandFailed` on a non-zero exit, `TimedOut` after `timeout` seconds. */
export async function exec(
  shell: RemoteShell,
  argv: readonly string[],
  timeout: Duration,
  stdin?: Buffer,
): Promise<string> {
  const r = await run(shell, argv, { timeout, ...(stdin !== undefined ? { stdin } : {}) });
  return r.stdout.toString('utf8');
}

/** Like {@link exec} but returns stdout and the stderr tail (pagedelta prints its summary on stderr). */
export async function execBoth(
  shell: RemoteShell,
  argv: readonly string[],
  timeout: Duration,
): Promise<{ stdout: string; stderr: string }> {
  const r = await run(shell, argv, { timeout });
  return { stdout: r.stdout.toString('utf8'), stderr: r.stderr };
}

/** Writes `content` to `file` on the host with `mode` (e.g. `644`), atomically. */
export async function writeRemoteFile(
  shell: RemoteShell,
  file: string,
  content: Buffer | string,
  mode: string,
  timeout: Duration,
): Promise<void> {
  await run(shell, writeFileArgv(file, mode), { timeout, stdin: Buffer.from(content) });
}

/** Where containerd leaves a full copy of every checkpoint it handles (docker 20.10 / containerd 1.6). */
export const CTRD_CHECKPOINT_GLOB_DIR = '/tmp';

/** `ls -1 /tmp` filtered to containerd's checkpoint copies: one name per line. */
export function listCtrdArgv(): string[] {
  return ['sh', '-c', 'cd /tmp && for f in ctrd-checkpoint*; do [ -e "$f" ] && echo "$f"; done; true'];
}

/** Names of containerd's checkpoint copies in /tmp now. */
export async function ctrdCopies(shell: RemoteShell, timeout: Duration): Promise<Set<string>> {
  const out = await runText(shell, listCtrdArgv(), { timeout });
  return new Set(out.split('\n').filter((l) => /^ctrd-checkpoint[0-9A-Za-z]+$/.test(l)));
}

/** `rm -rf` of the given containerd copies in /tmp (names validated). */
export function removeCtrdArgv(names: readonly string[]): string[] {
  const ok = names.filter((n) => /^ctrd-checkpoint[0-9A-Za-z]+$/.test(n));
  return ['rm', '-rf', '--', ...ok.map((n) => `/tmp/${n}`)];
}

/** Removes the containerd copies that appeared since `before` was taken. Best effort; returns how many. */
export async function removeNewCtrdCopies(
  shell: RemoteShell,
  before: ReadonlySet<string>,
  timeout: Duration,
): Promise<number> {
  const now = await ctrdCopies(shell, timeout);
  const fresh = [...now].filter((n) => !before.has(n));
  if (fresh.length > 0) await run(shell, removeCtrdArgv(fresh), { timeout });
  return fresh.length;
}

/**
 * `sh -c` that removes containerd's unpacked copies (`/tmp/ctrd-checkpoint*`) of checkpoint `name`: those
 * whose nonce file starts with `<name>.` (the nonce Ferry writes is `<checkpoint name>.<uuid>`). Copies of
 * other checkpoints, e.g. of a restore running right now elsewhere, are left alone.
 */
export function removeCtrdCopiesOfArgv(name: string, nonceFile: string): string[] {
  if (!/^[A-Za-z0-9_.-]+$/.test(name) || !/^[A-Za-z0-9_.-]+$/.test(nonceFile)) {
    throw new InvalidInput('checkpoint name', name, 'letters, digits, _ . -');
  }
  return [
    'sh',
    '-c',
    'for d in /tmp/ctrd-checkpoint*; do [ -f "$d/$2" ] || continue; case $(head -c 300 "$d/$2") in "$1".*) rm -rf -- "$d" ;; esac; done; true',
    'sh',
    name,
    nonceFile,
  ];
}
