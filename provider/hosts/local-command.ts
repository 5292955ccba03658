/**
 * Running a program on the machine that runs Ferry (thin I/O): an argument vector, never a shell, with
 * bytes on stdin, a time limit, and the exit code deciding success.
 */
import { spawn } from 'node:child_process';
import { inMillis, type Duration } from '../units';

/** How a local program ended. */
export interface LocalResult {
  /** Exit code; `null` when a signal (or the time limit) ended it. */
  readonly exitCode: number | null;
  /** The last 4 KiB of what it wrote to stderr (and stdout). */
  readonly output: string;
  /** Whether the time limit killed it. */
  readonly timedOut: boolean;
}

/** Runs `argv` with `stdin`, killing it (SIGKILL) after `timeout`; resolves however it ends. */
export function runLocal(argv: readonly string[], stdin: Buffer, timeout: Duration): Promise<LocalResult> {
  return new Promise((resolve) => {
    let output = '';
    let timedOut = false;
    const keep = (d: Buffer): void => void (output = (output + d.toString()).slice(-4096));
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.stdin.on('error', () => undefined); // a program that does not read its stdin
    child.stdin.end(stdin);
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, inMillis(timeout));
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ exitCode: null, output: `cannot run ${argv[0]}: ${e.message}`, timedOut: false });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ exitCode: code, output, timedOut });
    });
  });
}
