/**
 * Turns an SSH exec channel into a `RemoteProcess`: stderr tail and PID preamble, exit status, time
 * limit, abort signal, and killing the remote process group. Structural channel type only (no ssh2
 * import), so the logic is unit-tested with a fake channel.
 */
import { Writable, type Duplex, type Readable } from 'node:stream';
import { CommandFailed, TimedOut } from '../errors';
import type { Duration } from '../units';
import { ByteTail } from './byte-tail';
import { PidPreamble } from './pid-preamble';
import type { ExecResult, ProcessExit, RemoteProcess } from './remote-shell';

/** Bytes of stderr kept per command (the tail). */
export const STDERR_TAIL_BYTES = 64 * 1024;

/**
 * What `trackExecChannel` needs from an exec channel (ssh2's `ClientChannel` has it): a duplex for
 * stdin/stdout, `stderr`, `close()`, and the events `exit` (code, or null and a signal name) and `close`.
 */
/** How a remote process ended: its exit code, or the signal that killed it. */
export interface ExitRecord {
  /** Exit status, or `null` when killed by a signal. */
  readonly code: number | null;
  /** Name of the killing signal. */
  readonly signal?: string;
}

/** The part of an ssh2 exec channel the tracker uses. */
export interface ExecChannel extends Duplex {
  /** The command's stderr. */
  readonly stderr: Readable;
  /** Sends SSH channel close. */
  close(): void;
}

/** Context of one tracked command. */
export interface TrackContext {
  /** The command (for messages). */
  readonly argv: readonly string[];
  /** `user@host:port` (for messages). */
  readonly where: string;
  /** The command's time limit as given, in seconds (for the `TimedOut` error). */
  readonly timeout: Duration;
  /** Milliseconds left of the limit when the channel opened. */
  readonly limitMs: number;
  /** Cancels the command. */
  readonly signal?: AbortSignal;
  /** Frees the session slot; called exactly once when `done` settles. */
  readonly release: () => void;
  /** Kills remote process group `pgid`; resolves when done or given up. */
  readonly killGroup: (pgid: number) => Promise<void>;
  /** The error for a connection lost while `what`. */
  readonly lost: (what: string, cause?: unknown) => Error;
  /** Resolves when the SSH connection has closed (running commands then fail with `lost`). */
  readonly connectionClosed: Promise<void>;
  /** The exit status if it arrived before this tracker was attached (fast commands). */
  readonly earlyExit?: () => ExitRecord | undefined;
}

/** Wraps `channel`; see `RemoteProcess` for the contract. */
export function trackExecChannel(channel: ExecChannel, ctx: TrackContext): RemoteProcess {
  const { argv } = ctx;
  const stderr = new ByteTail(STDERR_TAIL_BYTES);
  const preamble = new PidPreamble();
  let onPid: ((pid: number) => void) | undefined;
  let exit: ExitRecord | undefined = ctx.earlyExit?.();
  let stderrEnded = false;
  let failure: Error | undefined;
  let settle: (error: Error | undefined) => void = () => undefined;

  const pidWithin = (ms: number): Promise<number | undefined> =>
    preamble.pid !== undefined || preamble.gaveUp
      ? Promise.resolve(preamble.pid)
      : new Promise((resolve) => {
          const t = setTimeout(() => resolve(preamble.pid), ms);
          onPid = (pid) => {
            clearTimeout(t);
            resolve(pid);
          };
        });
  let killing: Promise<void> | undefined;
  const kill = (): Promise<void> =>
    (killing ??= (async () => {
      if (exit === undefined) {
        const pid = await pidWithin(2000);
        if (pid !== undefined && exit === undefined) await ctx.killGroup(pid);
      }
      channel.close();
      channel.resume();
    })());
  const fail = (error: Error): void => {
    failure ??= error;
    void kill().then(() => settle(failure));
  };
  // The process has ended once its exit status is known and stderr is closed. stdout is the caller's
  // to read: waiting for it would hang when the caller never reads it (ssh2 emits `close` only then).
  const settleIfExited = (): void => {
    if (exit !== undefined && stderrEnded && failure === undefined) settle(undefined);
  };

  channel.stderr.on('data', (c: Buffer) => {
    const known = preamble.pid !== undefined;
    const rest = preamble.push(c);
    if (rest.length > 0) stderr.push(rest);
    if (!known && preamble.pid !== undefined) onPid?.(preamble.pid);
  });
  channel.stderr.once('end', () => {
    stderr.push(preamble.end());
    stderrEnded = true;
    settleIfExited();
  });
  channel.on('exit', (code: number | null, signal?: string) => {
    exit = { code, signal };
    settleIfExited();
  });
  channel.on('error', (error: unknown) => settle(ctx.lost(`running ${argv[0]}`, error)));
  channel.once('close', () => {
    stderr.push(preamble.end());
    settle(failure ?? (exit ? undefined : ctx.lost(`running ${argv[0]}`)));
  });
  void ctx.connectionClosed.then(() =>
    settle(failure ?? (exit ? undefined : ctx.lost(`running ${argv[0]}`))),
  );

  const done = new Promise<ProcessExit>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(
      () =>
        fail(
          new TimedOut(`${argv.join(' ').slice(0, 200)} on ${ctx.where}`, ctx.timeout, {
            hint: 'the remote process group was killed (SIGKILL); raise the time limit if this is expected to take longer',
          }),
        ),
      ctx.limitMs,
    );
    const onAbort = (): void => fail(abortReason(ctx.signal));
    ctx.signal?.addEventListener('abort', onAbort, { once: true });
    settle = (error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ctx.signal?.removeEventListener('abort', onAbort);
      ctx.release();
      if (error !== undefined) return reject(error);
      const value: ProcessExit = { exitCode: exit?.code ?? null, stderr: stderr.text() };
      resolve(exit?.signal ? { ...value, signal: exit.signal } : value);
    };
  });
  done.catch(() => undefined);
  return { stdin: stdinOf(channel, done, ctx), stdout: channel, done, kill };
}

/**
 * A writable for the command's stdin that fails (instead of stalling forever, as ssh2's channel does)
 * when the process is gone before taking all its input: pending and later writes get `CommandFailed`
 * (or the error `done` rejected with), so a `pipeline()` into it rejects. Errors are also reported
 * through write callbacks; an `error` listener is pre-attached so an unwatched stdin never crashes.
 */
function stdinOf(channel: ExecChannel, done: Promise<ProcessExit>, ctx: TrackContext): Writable {
  let gone: Error | undefined;
  let waiting: ((error?: Error | null) => void) | undefined;
  const onDrain = (): void => {
    const cb = waiting;
    waiting = undefined;
    cb?.();
  };
  channel.on('drain', onDrain);
  const stdin = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (gone) return cb(gone);
      if (channel.write(chunk)) cb();
      else waiting = cb;
    },
    final(cb) {
      channel.end();
      cb();
    },
  });
  stdin.on('error', () => undefined);
  const processGone = (error: Error): void => {
    gone = error;
    channel.removeListener('drain', onDrain);
    const cb = waiting;
    waiting = undefined;
    cb?.(error);
  };
  done.then(
    (exit) =>
      processGone(
        new CommandFailed(
          ctx.argv,
          exit.exitCode,
          `exited before reading all of its stdin\n${exit.stderr}`,
          ctx.where,
        ),
      ),
    (error: Error) => processGone(error),
  );
  return stdin;
}

/**
 * Feeds `input` (or EOF) to a process and buffers its stdout; resolves when it has exited. If reading
 * `input` fails, the process is killed and the input's error is thrown.
 */
export async function collectOutput(
  proc: RemoteProcess,
  input: Buffer | NodeJS.ReadableStream | undefined,
): Promise<ExecResult> {
  const chunks: Buffer[] = [];
  proc.stdout.on('data', (c: Buffer) => chunks.push(c));
  let inputError: Error | undefined;
  if (input === undefined) proc.stdin.end();
  else if (Buffer.isBuffer(input)) proc.stdin.end(input);
  else {
    input.once('error', (error: Error) => {
      inputError = error;
      void proc.kill();
    });
    input.pipe(proc.stdin);
  }
  const stdoutEnded = new Promise<void>((resolve) => {
    proc.stdout.once('end', resolve);
    proc.stdout.once('close', resolve);
  });
  let exit: ProcessExit;
  try {
    exit = await proc.done;
    await stdoutEnded; // the exit status can overtake the last stdout bytes
  } finally {
    if (input !== undefined && !Buffer.isBuffer(input)) input.unpipe(proc.stdin);
  }
  if (inputError !== undefined) throw inputError;
  return { ...exit, stdout: Buffer.concat(chunks) };
}

/** The reason of an aborted signal as an `Error` (a `DOMException` `AbortError` unless one was given). */
export function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error) return reason;
  return new Error(typeof reason === 'string' ? reason : 'aborted');
}
