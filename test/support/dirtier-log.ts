/**
 * Reads the test workload's (workloads/dirtier.c) stdout so tests can prove that no state was lost:
 * the counter continues by exactly one, every verification passed, and the longest pause is known.
 */

/** One `tick=` line. */
export interface Tick {
  /** The in-memory counter. */
  readonly tick: number;
  /** Wall clock when it was printed, in nanoseconds since the epoch. */
  readonly tNs: bigint;
}

/** What a dirtier log says. */
export interface DirtierLog {
  /** All ticks in order. */
  readonly ticks: readonly Tick[];
  /** Results of every `verify=` line (`true` = ok). */
  readonly verifies: readonly boolean[];
  /** Every `gap_ms=` value the workload reported, in milliseconds. */
  readonly gapsMs: readonly number[];
}

/** Parses the lines of a dirtier log (other lines are ignored). */
export function parseDirtierLog(text: string): DirtierLog {
  const ticks: Tick[] = [];
  const verifies: boolean[] = [];
  const gapsMs: number[] = [];
  for (const line of text.split('\n')) {
    const tick = /^tick=(\d+) t=(\d+)/.exec(line);
    if (tick) ticks.push({ tick: Number(tick[1]), tNs: BigInt(tick[2]!) });
    const verify = /^verify=(ok|FAIL)/.exec(line);
    if (verify) verifies.push(verify[1] === 'ok');
    const gap = /^gap_ms=(\d+)/.exec(line);
    if (gap) gapsMs.push(Number(gap[1]));
  }
  return { ticks, verifies, gapsMs };
}

/** Ticks that do not follow their predecessor by exactly one (empty when the counter is continuous). */
export function counterBreaks(ticks: readonly Tick[]): { after: number; next: number }[] {
  const breaks: { after: number; next: number }[] = [];
  for (let i = 1; i < ticks.length; i++) {
    const prev = ticks[i - 1]!.tick;
    const cur = ticks[i]!.tick;
    if (cur !== prev + 1) breaks.push({ after: prev, next: cur });
  }
  return breaks;
}

/** The longest wall-clock gap between consecutive ticks, in milliseconds (0 with fewer than 2 ticks). */
export function longestGapMs(ticks: readonly Tick[]): number {
  let max = 0n;
  for (let i = 1; i < ticks.length; i++) {
    const d = ticks[i]!.tNs - ticks[i - 1]!.tNs;
    if (d > max) max = d;
  }
  return Number(max / 1_000_000n);
}
