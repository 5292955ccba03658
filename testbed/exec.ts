/** Running commands for the test bed (thin I/O): argument arrays only, never a shell. */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CommandFailed, PrerequisiteMissing, TimedOut } from '../provider/errors';

/** Options of {@link run}. */
export interface RunOptions {
  /** Time limit, seconds (default 60). */
  readonly timeoutSeconds?: number;
  /** Environment (default: this process's). */
  readonly env?: NodeJS.ProcessEnv;
  /** Where it runs, for error messages (default `localhost`). */
  readonly where?: string;
}

/** What a finished command printed and returned. */
export interface RunResult {
  /** Exit code (`null` when killed by a signal). */
  readonly code: number | null;
  /** Its standard output. */
  readonly stdout: string;
  /** Its standard error (the last 16 KiB). */
  readonly stderr: string;
}

/**
 * Runs `argv` and resolves whatever its exit code.
 * @throws PrerequisiteMissing when the program does not exist; TimedOut when it exceeds its limit (it is killed).
 */
export function tryRun(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const limit = opts.timeoutSeconds ?? 60;
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-16384)));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new TimedOut(argv.join(' '), limit, {
          hint: `see what blocks it; stderr so far: ${stderr.slice(-300)}`,
        }),
      );
    }, limit * 1000);
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        e.code === 'ENOENT'
          ? new PrerequisiteMissing(argv[0]!, 'not found on PATH', { hint: hintFor(argv[0]!), cause: e })
          : e,
      );
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Runs `argv` and resolves its output.
 * @throws CommandFailed when it exits non-zero; see also {@link tryRun}.
 */
export async function run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const r = await tryRun(argv, opts);
  if (r.code !== 0) throw new CommandFailed(argv, r.code, r.stderr || r.stdout, opts.where ?? 'localhost');
  return r;
}

/**
 * Starts `argv` detached from this process (own session, stdin closed, stdout and stderr appended to
 * `logPath`), so it outlives the CLI. `nsenter` execs its target, so the pid is the daemon's own.
 * @returns the pid.
 */
export function spawnDetached(
  argv: readonly string[],
  logPath: string,
  opts: { readonly env?: NodeJS.ProcessEnv; readonly cwd?: string } = {},
): number {
  fs.mkdirSync(path.dirname(logPath), { recursive: true });
  const fd = fs.openSync(logPath, 'a');
  try {
    const child = spawn(argv[0]!, argv.slice(1), {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: opts.env,
      cwd: opts.cwd,
    });
    child.on('error', (e) => fs.appendFileSync(logPath, `spawn failed: ${e.message}\n`));
    child.unref();
    if (child.pid === undefined) {
      throw new PrerequisiteMissing(argv[0]!, `could not start ${argv.join(' ')}`, {
        hint: `see ${logPath}`,
      });
    }
    return child.pid;
  } finally {
    fs.closeSync(fd);
  }
}

/** The last `lines` lines of a log file ('' if unreadable). */
export function logTail(file: string, lines = 15): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const HINTS: Record<string, string> = {
  ip: 'apt-get install iproute2',
  tc: 'apt-get install iproute2',
  nsenter: 'apt-get install util-linux',
  sysctl: 'apt-get install procps',
  dockerd: 'apt-get install docker.io',
  containerd: 'apt-get install containerd',
  'ssh-keygen': 'apt-get install openssh-client',
  '/usr/sbin/sshd': 'apt-get install openssh-server',
  umount: 'apt-get install mount',
};

/** How to install a missing program. */
export function hintFor(program: string): string {
  return HINTS[program] ?? `install ${program} (the host setup script, npm run setup, does it)`;
}
