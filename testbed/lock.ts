/** One test bed operation at a time: a lock file holding the owner's pid (stale locks of dead pids are taken over). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TimedOut } from '../provider/errors';
import { sleep } from './exec';
import type { TestbedPaths } from './paths';
import { isAlive } from './processes';

interface LockInfo {
  readonly pid: number;
  readonly what: string;
  readonly since: string;
}

function readLock(file: string): LockInfo | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as LockInfo;
  } catch {
    return undefined;
  }
}

/**
 * Runs `fn` holding the test bed lock (creating the state dir if needed). Waits for another holder, for at
 * most `timeoutSeconds`.
 * @throws TimedOut naming the holder when it does not let go.
 */
export async function withLock<T>(
  paths: TestbedPaths,
  what: string,
  fn: () => Promise<T>,
  timeoutSeconds = 600,
): Promise<T> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  const mine: LockInfo = { pid: process.pid, what, since: new Date().toISOString() };
  for (;;) {
    fs.mkdirSync(path.dirname(paths.lockFile), { recursive: true });
    try {
      fs.writeFileSync(paths.lockFile, JSON.stringify(mine), { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = readLock(paths.lockFile);
    if (holder === undefined || !isAlive(holder.pid)) {
      fs.rmSync(paths.lockFile, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new TimedOut(
        `waiting for the test bed lock (held by pid ${holder.pid} for ${holder.what} since ${holder.since})`,
        timeoutSeconds,
        {
          hint: `wait for that command to finish, or remove ${paths.lockFile} if pid ${holder.pid} is not a ferry process`,
        },
      );
    }
    await sleep(200);
  }
  try {
    return await fn();
  } finally {
    const holder = readLock(paths.lockFile);
    if (holder?.pid === process.pid) fs.rmSync(paths.lockFile, { force: true });
  }
}
