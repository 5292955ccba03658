/** What a broken invariant looks like (pure data). */

/** The invariants a trial checks, one code each. */
export const VIOLATION_CODES = [
  'two-copies',
  'no-running-copy',
  'copies-after-recovery',
  'stale-copy',
  'counter-back',
  'fresh-start',
  'counter-stalled',
  'memory-verify',
  'journal-not-terminal',
  'journal-unreadable',
  'leftover',
  'controller-hung',
  'recover-failed',
  'pulumi-not-converged',
  'report-mismatch',
] as const;

/** A violation code. */
export type ViolationCode = (typeof VIOLATION_CODES)[number];

/** One broken invariant, with what was seen. */
export interface Violation {
  /** Which invariant. */
  readonly code: ViolationCode;
  /** What was seen, in one line. */
  readonly detail: string;
}
