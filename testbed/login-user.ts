/**
 * The test bed's SSH login: a user with uid 0 (like root, so runc, CRIU and the engines work) but with
 * `/bin/sh` as its shell and a home of its own. Debian's bash sources `~/.bashrc` for every command run over
 * SSH, and root's `.bashrc` on these machines initialises pyenv: 100 to 250 ms per remote command, which
 * would show up in every measured downtime. Real hosts seldom pay that; the test bed should not either.
 */
import * as fs from 'node:fs';
import { run, tryRun } from './exec';

/** Name of the login user the test bed creates (and `down` removes). */
export const TESTBED_USER = 'ferry-testbed';

/** `useradd` argv for the login user with home `home` (pure). */
export function useraddArgv(home: string): string[] {
  return [
    'useradd',
    '--non-unique',
    '--uid',
    '0',
    '--gid',
    '0',
    '--no-create-home',
    '--home-dir',
    home,
    '--shell',
    '/bin/sh',
    // '*': no password, but not locked ('!', useradd's default, makes sshd refuse the account).
    '--password',
    '*',
    '--comment',
    'Ferry test bed login (removed by ferry testbed down)',
    TESTBED_USER,
  ];
}

/** `userdel` argv for the login user (pure). `--force`: uid 0 always has running processes. */
export function userdelArgv(): string[] {
  return ['userdel', '--force', TESTBED_USER];
}

/** Whether the login user exists. */
export async function loginUserExists(): Promise<boolean> {
  return (await tryRun(['getent', 'passwd', TESTBED_USER])).code === 0;
}

/** Creates the login user and its home unless they exist. */
export async function ensureLoginUser(home: string): Promise<void> {
  fs.mkdirSync(home, { recursive: true, mode: 0o700 });
  if (!(await loginUserExists())) await run(useraddArgv(home));
}

/** Removes the login user if it exists; returns what could not be removed (for `down`'s report). */
export async function removeLoginUser(): Promise<string[]> {
  if (!(await loginUserExists())) return [];
  const r = await tryRun(userdelArgv());
  return r.code === 0 ? [] : [`user ${TESTBED_USER} not removed: ${r.stderr.trim()}`];
}
