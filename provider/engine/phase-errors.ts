/**
 * Maps any failure inside a migration to the error of the phase it happened in (one hierarchy), naming
 * where the container runs afterwards.
 */
import {
  CheckpointFailed,
  FerryError,
  CleanupFailed,
  MeasureFailed,
  MigrationAborted,
  MigrationError,
  MigrationFenced,
  PrecopyFailed,
  PreflightFailed,
  RestoreFailed,
  TransferFailed,
  VerifyFailed,
  type MigrationPhase,
} from '../errors';

/** The message of an error without its hint line and our own phase prefix. */
function core(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const first = e.message.split('\n  hint:')[0] ?? e.message;
  return first.replace(/^[a-z]+: /, '').replace(/ \(container is running on [^)]*\)$/, '');
}

/**
 * The error to throw for failure `e` in `phase`: a `MigrationError` keeps its own class and phase (so a
 * `MigrationAborted`, thrown only by the policy, and a `MigrationFenced` stay what they are); anything else
 * is wrapped in the class of `phase`, one class per phase. `runningOn` is set (`undefined` when the container runs nowhere known).
 * `extra` is appended to the message (e.g. rollback notes).
 */
export function phaseError(
  phase: MigrationPhase,
  e: unknown,
  runningOn: string | undefined,
  extra = '',
): MigrationError {
  if (e instanceof MigrationFenced) return e;
  const p = e instanceof MigrationError ? e.phase : phase;
  const hint = e instanceof FerryError ? e.hint : undefined;
  const cause = e instanceof MigrationError && e.cause !== undefined ? e.cause : e;
  const causeText = e instanceof MigrationError && e.cause !== undefined ? `: ${core(e.cause)}` : '';
  const msg = `${core(e)}${causeText}${extra}`;
  const d = { cause, ...(hint !== undefined ? { hint } : {}) };
  if (e instanceof MigrationAborted) return new MigrationAborted(p, msg, runningOn, d);
  switch (p) {
    case 'preflight':
      return new PreflightFailed(msg, runningOn, d);
    case 'checkpoint':
      return new CheckpointFailed(msg, runningOn, d);
    case 'transfer':
      return new TransferFailed(msg, runningOn, d);
    case 'restore':
      return new RestoreFailed(msg, runningOn, d);
    case 'verify':
      return new VerifyFailed(msg, runningOn, d);
    case 'measure':
      return new MeasureFailed(msg, runningOn, d);
    case 'precopy':
      return new PrecopyFailed(msg, runningOn, d);
    case 'cleanup':
      return new CleanupFailed(msg, runningOn, d);
  }
}
