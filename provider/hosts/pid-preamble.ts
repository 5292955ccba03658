/**
 * How the ssh2 adapter learns the remote process group of a command so that it can kill it on timeout.
 *
 * OpenSSH refuses SSH `signal` requests for root logins ("session signalling requires privilege
 * separation": sshd runs root sessions without privsep), and closing a channel does not stop its process.
 * So every command is started as `echo ferry-pid:$$ >&2; exec <argv>`: sshd makes the session's shell a
 * session and process-group leader (setsid), the shell prints its PID on stderr and then becomes the
 * command. The adapter strips that line from stderr and, to stop the command, runs
 * `kill -KILL -- -<pid>` in a second session. Consequence: `argv[0]` must be a program, not a shell builtin.
 */
import { quoteArgv } from './shell-quote';

/** Marker of the PID line; unlikely to be printed by anything else (a login shell's rc file, say). */
const MARKER = 'ferry-pid:';
const MAX_HELD = 4096;

/** The command line sent over SSH for `argv`: PID preamble, then `exec` of the quoted vector. */
export function commandWithPidPreamble(argv: readonly string[]): string {
  return `echo ${MARKER}$$ >&2; exec ${quoteArgv(argv)}`;
}

/** argv that kills process group `pgid` with SIGKILL (run in another session on the same host). */
export function killProcessGroupArgv(pgid: number): string[] {
  if (!Number.isInteger(pgid) || pgid <= 1) throw new RangeError(`not a process group id: ${pgid}`);
  return ['kill', '-KILL', '--', `-${pgid}`];
}

/**
 * Takes the `ferry-pid:<pid>` line out of a stderr stream, chunk by chunk. Lines before it (a noisy
 * login shell) are passed through; after it, everything is passed through untouched.
 */
export class PidPreamble {
  private held = Buffer.alloc(0);
  private found: number | undefined;
  private passThrough = false;

  /** The remote PID (= process group id) once its line was seen. */
  get pid(): number | undefined {
    return this.found;
  }

  /** True once no PID line can come any more (the marker was missing from the first 4 KiB line, or the stream ended). */
  get gaveUp(): boolean {
    return this.passThrough && this.found === undefined;
  }

  /** Feeds one stderr chunk; returns the part that is real stderr (possibly empty). */
  push(chunk: Buffer): Buffer {
    if (this.passThrough) return chunk;
    let rest = Buffer.concat([this.held, chunk]);
    const out: Buffer[] = [];
    for (let nl = rest.indexOf(0x0a); nl >= 0; nl = rest.indexOf(0x0a)) {
      const m = /^ferry-pid:(\d{1,10})$/.exec(rest.subarray(0, nl).toString('latin1'));
      if (m) {
        this.found = Number(m[1]);
        this.passThrough = true;
        out.push(rest.subarray(nl + 1));
        rest = Buffer.alloc(0);
        break;
      }
      out.push(rest.subarray(0, nl + 1));
      rest = rest.subarray(nl + 1);
    }
    if (rest.length > MAX_HELD) {
      this.passThrough = true;
      out.push(rest);
      rest = Buffer.alloc(0);
    }
    this.held = rest;
    return Buffer.concat(out);
  }

  /** Call at the end of the stream: returns bytes still held back (an unterminated last line). */
  end(): Buffer {
    const rest = this.held;
    this.held = Buffer.alloc(0);
    this.passThrough = true;
    return rest;
  }
}
