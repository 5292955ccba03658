/**
 * Ferry's one error hierarchy. Every error says what went wrong, where, and what the user can do about it.
 * Catch `FerryError` to handle all of them; switch on `name` (or `instanceof`) for a specific one.
 */

/** Fields every Ferry error carries so that a user can act on it. */
export interface FerryErrorDetails {
  /** What the user can do next, in one sentence. */
  readonly hint?: string;
  /** The underlying error, if any. */
  readonly cause?: unknown;
}

/** Base class of all Ferry errors. */
export abstract class FerryError extends Error {
  /** What the user can do next. */
  readonly hint: string | undefined;

  protected constructor(message: string, details: FerryErrorDetails = {}) {
    super(details.hint ? `${message}\n  hint: ${details.hint}` : message, { cause: details.cause });
    this.name = new.target.name;
    this.hint = details.hint;
  }
}

/** An input value is wrong. Names the field, the value received, and what was expected. */
export class InvalidInput extends FerryError {
  constructor(
    /** Dotted path of the offending field, e.g. `link.rtt`. */
    readonly field: string,
    /** The value that was received. */
    readonly value: unknown,
    /** What a valid value looks like. */
    readonly expected: string,
  ) {
    super(`invalid ${field}: got ${describe(value)}, expected ${expected}`);
  }
}

/** A piece the operation needs is not installed or not working (CRIU, Docker Engine, Pulumi CLI, ...). */
export class PrerequisiteMissing extends FerryError {
  constructor(
    /** The missing piece, e.g. `criu`. */
    readonly piece: string,
    message: string,
    details: FerryErrorDetails = {},
  ) {
    super(`${piece}: ${message}`, details);
  }
}

/** A host could not be reached or authenticated over SSH. */
export class HostUnreachable extends FerryError {
  constructor(
    /** `user@address:port` of the host. */
    readonly host: string,
    message: string,
    details: FerryErrorDetails = {},
  ) {
    super(`host ${host} unreachable: ${message}`, details);
  }
}

/** A remote command exited with a non-zero status. */
export class CommandFailed extends FerryError {
  constructor(
    /** The command's argument vector. */
    readonly argv: readonly string[],
    /** Its exit code (`null` when killed by a signal). */
    readonly exitCode: number | null,
    /** The tail of what it wrote to stderr. */
    readonly stderr: string,
    /** Where it ran. */
    readonly host: string,
  ) {
    super(
      `command failed on ${host} (exit ${exitCode ?? 'signal'}): ${argv.join(' ')}` +
        (stderr.trim() ? `\n  stderr: ${tail(stderr)}` : ''),
    );
  }
}

/**
 * The migration's journal could not be saved (a full or read-only disk on the machine that runs Ferry).
 * Before the switchover this stops the migration: it goes on only while a crash could be recovered from.
 */
export class JournalUnwritable extends FerryError {
  constructor(
    /** What failed, one line (the store's error). */
    readonly what: string,
  ) {
    super(`the migration journal cannot be written: ${what}`, {
      hint: 'free space in the journal directory (~/.ferry/journal, or FERRY_JOURNAL_DIR) and run again',
    });
  }
}

/** The user's cutover hook failed (a `switch` failure rolls the migration back). */
export class CutoverFailed extends FerryError {
  constructor(
    /** The hook's argument vector. */
    readonly argv: readonly string[],
    /** Which call failed. */
    readonly phase: 'switch' | 'rollback',
    /** What happened, with the hook's last output. */
    detail: string,
  ) {
    super(`cutover hook ${argv.join(' ')} (${phase}) ${detail}`, {
      hint:
        phase === 'switch'
          ? 'the migration rolls back; fix the hook (it reads the new endpoints as JSON on stdin and must exit 0)'
          : 'clients may still be sent to the target: point them at the source yourself',
    });
  }
}

/** An operation did not finish within its time limit. */
export class TimedOut extends FerryError {
  constructor(
    /** What was being waited for. */
    readonly operation: string,
    /** The limit that was exceeded, in seconds. */
    readonly limitSeconds: number,
    details: FerryErrorDetails = {},
  ) {
    super(`${operation} did not finish within ${limitSeconds} s`, details);
  }
}

/** The phases of a migration, in order. */
export type MigrationPhase =
  'preflight' | 'measure' | 'precopy' | 'checkpoint' | 'transfer' | 'restore' | 'verify' | 'cleanup';

/** Base of errors raised during a migration: carries the phase and where the container runs now. */
export abstract class MigrationError extends FerryError {
  protected constructor(
    /** The phase that failed. */
    readonly phase: MigrationPhase,
    message: string,
    /** Where the container runs after the failure, e.g. `cluster-a/host-1`, when known. */
    readonly runningOn: string | undefined,
    details: FerryErrorDetails = {},
  ) {
    super(`${phase}: ${message}${runningOn ? ` (container is running on ${runningOn})` : ''}`, details);
  }
}

/** A preflight check failed: nothing was moved. */
export class PreflightFailed extends MigrationError {
  constructor(message: string, runningOn: string | undefined, details: FerryErrorDetails = {}) {
    super('preflight', message, runningOn, details);
  }
}

/** Taking a checkpoint (pre-dump or final dump) failed. */
export class CheckpointFailed extends MigrationError {
  constructor(message: string, runningOn: string | undefined, details: FerryErrorDetails = {}) {
    super('checkpoint', message, runningOn, details);
  }
}

/** Moving images, files or the container image between hosts failed. */
export class TransferFailed extends MigrationError {
  constructor(message: string, runningOn: string | undefined, details: FerryErrorDetails = {}) {
    super('transfer', message, runningOn, details);
  }
}

/** Restoring the container on the target failed. */
export class RestoreFailed extends MigrationError {
  constructor(message: string, runningOn: string | undefined, details: FerryErrorDetails = {}) {
    super('restore', message, runningOn, details);
  }
}

/** The restored container did not pass verification on the target. */
export class VerifyFailed extends MigrationError {
  constructor(message: string, runningOn: string | undefined, details: FerryErrorDetails = {}) {
    super('verify', message, runningOn, details);
  }
}

/** Measuring the link or the container failed (nothing was stopped). */
export class MeasureFailed extends MigrationError {
  constructor(message: string, runningOn: string | undefined, details: FerryErrorDetails = {}) {
    super('measure', message, runningOn, details);
  }
}

/** A pre-copy round failed for a reason other than the policy (the source kept running). */
export class PrecopyFailed extends MigrationError {
  constructor(message: string, runningOn: string | undefined, details: FerryErrorDetails = {}) {
    super('precopy', message, runningOn, details);
  }
}

/** A cleanup step after the switchover failed; the container runs where `runningOn` says. */
export class CleanupFailed extends MigrationError {
  constructor(message: string, runningOn: string | undefined, details: FerryErrorDetails = {}) {
    super('cleanup', message, runningOn, details);
  }
}

/**
 * The rollback stopped short of starting the source because the target copy could not be confirmed gone
 * (its engine did not answer, or the container would not go away): starting the source could make two
 * live copies. Nothing runs until someone checks. `check` says what to look at, `command` which command
 * finishes the job once the target answers.
 */
export class MigrationFenced extends MigrationError {
  constructor(
    phase: MigrationPhase,
    message: string,
    /** What the operator must check, in one sentence. */
    readonly check: string,
    /** The command that finishes the job (rolls back or finishes) once the check is done. */
    readonly command: string,
    details: FerryErrorDetails = {},
  ) {
    super(
      phase,
      `${message}; fenced: the source was not restarted. Check: ${check}. Then run: ${command}`,
      undefined,
      details,
    );
  }
}

/** The migration was stopped by its policy (deadline, stall) before switching over. */
export class MigrationAborted extends MigrationError {
  constructor(
    phase: MigrationPhase,
    message: string,
    runningOn: string | undefined,
    details: FerryErrorDetails = {},
  ) {
    super(phase, message, runningOn, details);
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

function tail(text: string, max = 600): string {
  const t = text.trim();
  return t.length <= max ? t : `...${t.slice(t.length - max)}`;
}
