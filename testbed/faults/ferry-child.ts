/**
 * Running `bin/ferry` as a child process with a HOME of its own (so its journal dir, `$HOME/.ferry/journal`,
 * belongs to the trial), or another command (a `pulumi up`), its output captured to files (thin I/O; argv
 * arrays only).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../node-entry';
import { killSet } from '../process-tree';
import { listProcesses, signalAll } from '../processes';

/** The `ferry` command of this checkout. */
export const FERRY_BIN = path.join(PACKAGE_ROOT, 'bin', 'ferry');

/** How a child ended. */
export interface ChildExit {
  /** Exit code, `null` when a signal ended it. */
  readonly code: number | null;
  /** The signal that ended it, if any. */
  readonly signal: NodeJS.Signals | null;
  /** Milliseconds from spawn to exit. */
  readonly ms: number;
}

/** A running `ferry` child. */
export interface FerryChild {
  /** Its pid. */
  readonly pid: number;
  /** `Date.now()` at spawn. */
  readonly startedAt: number;
  /** Resolves when it exits. */
  readonly exited: Promise<ChildExit>;
  /** Whether it still runs. */
  running(): boolean;
  /** Sends a signal (no-op once it exited). */
  kill(signal: NodeJS.Signals): void;
  /** What it printed on stdout so far. */
  stdout(): string;
  /** What it printed on stderr so far. */
  stderr(): string;
}

/** The journal dir of a child whose HOME is `home` (set explicitly: `FERRY_JOURNAL_DIR` would win over HOME). */
export function journalDirOf(home: string): string {
  return path.join(home, '.ferry', 'journal');
}

/**
 * Starts `bin/ferry <args>` with `HOME=home` (created) and `FERRY_JOURNAL_DIR` = {@link journalDirOf}, writing its stdout and stderr also to
 * `<logPrefix>.out` and `<logPrefix>.err`.
 */
export function spawnFerry(args: readonly string[], home: string, logPrefix: string): FerryChild {
  fs.mkdirSync(home, { recursive: true });
  return spawnLogged(
    process.execPath,
    [FERRY_BIN, ...args],
    { cwd: PACKAGE_ROOT, env: { ...process.env, HOME: home, FERRY_JOURNAL_DIR: journalDirOf(home) } },
    logPrefix,
  );
}

/**
 * Starts `command args` in `opts.cwd` with `opts.env`, its output captured and written to `<logPrefix>.out`
 * and `<logPrefix>.err`. With `killTree`, `kill` signals the child and all its descendants (a `pulumi up`
 * starts its language host and the provider in process groups of their own).
 */
export function spawnLogged(
  command: string,
  args: readonly string[],
  opts: { readonly cwd: string; readonly env: NodeJS.ProcessEnv },
  logPrefix: string,
  killTree = false,
): FerryChild {
  fs.mkdirSync(path.dirname(logPrefix), { recursive: true });
  const startedAt = Date.now();
  const child: ChildProcess = spawn(command, [...args], {
    cwd: opts.cwd,
    env: opts.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const outFile = fs.createWriteStream(`${logPrefix}.out`);
  const errFile = fs.createWriteStream(`${logPrefix}.err`);
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    outFile.write(d);
  });
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    errFile.write(d);
  });
  let alive = true;
  const exited = new Promise<ChildExit>((resolve) => {
    // 'exit', not 'close': a grandchild that inherited the pipes must not keep the trial waiting
    child.on('exit', (code, signal) => {
      alive = false;
      resolve({ code, signal, ms: Date.now() - startedAt });
    });
    child.on('close', () => {
      outFile.end();
      errFile.end();
    });
    child.on('error', (e) => {
      err += `spawn failed: ${e.message}\n`;
    });
  });
  const pid = child.pid ?? -1;
  return {
    pid,
    startedAt,
    exited,
    running: () => alive,
    kill(signal) {
      if (!alive) return;
      if (!killTree) {
        child.kill(signal);
        return;
      }
      // the whole tree at once, parents first: none of them gets to start anything more
      signalAll(killSet(listProcesses(), new Set(), new Set([pid]), process.pid), signal);
    },
    stdout: () => out,
    stderr: () => err,
  };
}

/** Runs `bin/ferry <args>` to the end, killing it after `limitMs` milliseconds. */
export async function runFerry(
  args: readonly string[],
  home: string,
  logPrefix: string,
  limitMs: number,
): Promise<{ exit: ChildExit; stdout: string; stderr: string; timedOut: boolean }> {
  const c = spawnFerry(args, home, logPrefix);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    c.kill('SIGKILL');
  }, limitMs);
  const exit = await c.exited;
  clearTimeout(timer);
  return { exit, stdout: c.stdout(), stderr: c.stderr(), timedOut };
}
