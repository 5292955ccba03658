/**
 * What a client that keeps incrementing a Redis counter saw (pure): every `INCR` it sent, with when and how
 * it ended. From that log: the longest gap between two successful replies (the unavailability the client
 * observed), the errors, and whether every acknowledged increment is still in the counter.
 */

/** One `INCR` as the client saw it. */
export interface IncrAttempt {
  /** When it was sent, ms since the client started. */
  readonly sentMs: number;
  /** When it ended, ms since the client started. */
  readonly endedMs: number;
  /** The new counter value the server acknowledged, or the error. */
  readonly result: { readonly value: number } | { readonly error: string };
}

/** What the log says. */
export interface IncrSummary {
  /** Attempts made. */
  readonly attempts: number;
  /** Acknowledged increments. */
  readonly acknowledged: number;
  /** Attempts that failed (refused, reset, timed out, or an error reply). */
  readonly errors: number;
  /** Distinct error messages with their counts. */
  readonly errorKinds: Readonly<Record<string, number>>;
  /** Longest time between two acknowledged replies, ms, and when it began (ms since start). */
  readonly longestGapMs: number;
  /** When the longest gap began, ms since the client started. */
  readonly longestGapAtMs: number;
  /** Acknowledged values that are not above the one before (a counter that went back: writes lost). */
  readonly wentBack: readonly { readonly after: number; readonly value: number }[];
  /** The highest acknowledged value. */
  readonly lastAcknowledged: number | undefined;
}

/** Summarises a log in the order the attempts were made. */
export function summarizeIncrs(log: readonly IncrAttempt[]): IncrSummary {
  let acknowledged = 0;
  let errors = 0;
  const errorKinds: Record<string, number> = {};
  let prevOkAt: number | undefined;
  let longestGapMs = 0;
  let longestGapAtMs = 0;
  let last: number | undefined;
  const wentBack: { after: number; value: number }[] = [];
  for (const a of log) {
    if ('error' in a.result) {
      errors++;
      errorKinds[a.result.error] = (errorKinds[a.result.error] ?? 0) + 1;
      continue;
    }
    acknowledged++;
    if (prevOkAt !== undefined && a.endedMs - prevOkAt > longestGapMs) {
      longestGapMs = a.endedMs - prevOkAt;
      longestGapAtMs = prevOkAt;
    }
    prevOkAt = a.endedMs;
    if (last !== undefined && a.result.value <= last) wentBack.push({ after: last, value: a.result.value });
    last = last === undefined ? a.result.value : Math.max(last, a.result.value);
  }
  return {
    attempts: log.length,
    acknowledged,
    errors,
    errorKinds,
    longestGapMs,
    longestGapAtMs,
    wentBack,
    lastAcknowledged: last,
  };
}

/**
 * Whether every acknowledged increment is in `finalValue` (the counter read after the move): no value went
 * back, and the counter is at least the highest acknowledged one. Unacknowledged increments that the
 * server did apply may make it higher; none may be missing.
 */
export function noAcknowledgedWriteLost(s: IncrSummary, finalValue: number): boolean {
  return s.wentBack.length === 0 && (s.lastAcknowledged === undefined || finalValue >= s.lastAcknowledged);
}
