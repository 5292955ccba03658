/**
 * `RemoteShell`: what Ferry needs from a host's SSH server. Interface and plain types only; the ssh2
 * adapter lives in `ssh2-shell.ts`, so nothing here pulls ssh2 into a serialized Pulumi provider.
 *
 * Commands are argument vectors (built by the pure functions under `commands/`) and are quoted once, at
 * the SSH boundary, by `shell-quote.ts`. Success is decided by the exit code alone; stderr is diagnostic.
 */
import type { Duplex, Readable, Writable } from 'node:stream';
import type { Duration } from '../units';

/** Options of one buffered command (`RemoteShell.exec`). */
export interface ExecOptions {
  /**
   * Time limit for the whole command, in seconds. When it passes, the remote process group is sent
   * SIGKILL, the channel is closed and the call rejects with `TimedOut`. `argv[0]` must be a program
   * (it is `exec`ed by the remote shell), not a shell builtin: use `['sh', '-c', ...]` for shell code.
   */
  readonly timeout: Duration;
  /** Data for the command's stdin; stdin is closed (EOF) after it, or at once when absent. */
  readonly stdin?: Buffer | NodeJS.ReadableStream;
  /** Cancels the command like a timeout does, but rejects with the signal's `reason`. */
  readonly signal?: AbortSignal;
}

/** What a finished command left behind. */
export interface ExecResult {
  /** Exit status, 0..255; `null` when the process was killed by a signal. */
  readonly exitCode: number | null;
  /** Name of the killing signal (e.g. `SIGKILL`) when `exitCode` is `null`. */
  readonly signal?: string;
  /** Everything the command wrote to stdout (fully buffered; use `spawn` for large outputs). */
  readonly stdout: Buffer;
  /** What the command wrote to stderr, decoded as UTF-8; only the last 64 KiB are kept. */
  readonly stderr: string;
}

/** Options of one streaming command (`RemoteShell.spawn`). */
export interface SpawnOptions {
  /** Time limit for the whole process lifetime, in seconds; handled like `ExecOptions.timeout`. */
  readonly timeout: Duration;
  /** Cancels the process like a timeout does, but `done` rejects with the signal's `reason`. */
  readonly signal?: AbortSignal;
}

/** How a streaming command ended. */
export interface ProcessExit {
  /** Exit status, 0..255; `null` when the process was killed by a signal. */
  readonly exitCode: number | null;
  /** Name of the killing signal when `exitCode` is `null`. */
  readonly signal?: string;
  /** The last 64 KiB of what the command wrote to stderr. */
  readonly stderr: string;
}

/**
 * A running remote command with its stdin/stdout as streams (for piping tar streams between hosts).
 * Consume `stdout` (or `resume()` it) while the command runs if it writes more than SSH's 2 MiB window:
 * flow control stalls the process otherwise. `end()` `stdin` to send EOF. stderr is collected for you.
 * Writes to `stdin` that the process can no longer take (it exited) fail with `CommandFailed` (or with
 * the error `done` rejects with), so `pipeline(source, proc.stdin)` rejects instead of hanging.
 * A sender's non-zero exit does not error its `stdout`: check `done` of both ends of a pipe.
 */
export interface RemoteProcess {
  /** The command's stdin. */
  readonly stdin: Writable;
  /** The command's stdout. */
  readonly stdout: Readable;
  /**
   * Settles when the process has exited (exit status received, stderr closed); unread stdout stays
   * readable. Resolves for any exit code; rejects with `TimedOut` on timeout, with `HostUnreachable` if the
   * connection is lost, or with the abort reason. Pre-handled: not awaiting `done` never crashes.
   */
  readonly done: Promise<ProcessExit>;
  /**
   * Kills the remote process group (SIGKILL, from a second SSH session) and closes the channel.
   * Resolves once the kill was delivered (bounded by a few seconds). Idempotent.
   */
  kill(): Promise<void>;
}

/** A connection to one host's SSH server. Dispose it (`await using`) or call `close()`. */
export interface RemoteShell extends AsyncDisposable {
  /** Runs `argv` and buffers its output. Never throws for a non-zero exit: look at `exitCode`. */
  exec(argv: readonly string[], opts: ExecOptions): Promise<ExecResult>;
  /** Starts `argv` with streaming stdin/stdout. Resolves once the remote process was started. */
  spawn(argv: readonly string[], opts: SpawnOptions): Promise<RemoteProcess>;
  /**
   * Opens a byte stream to a unix socket on the host (OpenSSH `direct-streamlocal@openssh.com`, allowed by
   * sshd's default `AllowStreamLocalForwarding yes`). Rejects with `HostUnreachable` when it cannot.
   */
  openUnixSocket(path: string): Promise<Duplex>;
  /** `user@address:port`, for messages. */
  describe(): string;
  /** Closes the connection; running commands fail with `HostUnreachable`. Idempotent. */
  close(): Promise<void>;
}
