/**
 * Stop rules for iterative pre-copy, as pure functions of the rounds so far. The two baselines work on page
 * counts only, so they apply equally to real CRIU statistics (`pages_written`, `pages_skipped_parent`) and
 * to the model's predicted rounds; benchmarks compare them with the model's own rule on the same inputs.
 */

/** Page counts of one pre-dump round, as CRIU reports them. */
export interface PageStats {
  /** Pages written (sent) by this round. */
  readonly pagesWritten: number;
  /** Pages skipped because they did not change since the previous round. */
  readonly pagesSkipped: number;
}

/** A stop rule's answer after a round: stop iterating (and switch over) or run another round, and why. */
export interface StopVerdict {
  /** `true`: do the final dump now. */
  readonly stop: boolean;
  /** Why, in words. */
  readonly reason: string;
}

/** A named stop rule over the history of rounds, oldest first (never empty when called). */
export interface StopRule<H extends PageStats = PageStats> {
  /** Short name for reports, e.g. `p.haul`. */
  readonly name: string;
  /** Decides after the last round of `history`. */
  readonly decide: (history: readonly H[]) => StopVerdict;
}

/** Limits of CRIU p.haul's rule. */
export interface PhaulLimits {
  /** Stop when a round writes at most this many pages. */
  readonly minPages: number;
  /** Stop when a round writes more than this fraction more pages than the previous one. */
  readonly maxGrowth: number;
  /** Stop after this many rounds. */
  readonly maxRounds: number;
}

/** CRIU p.haul's constants: 64 pages, 10 % growth, 8 rounds. */
export const PHAUL_LIMITS: PhaulLimits = { minPages: 64, maxGrowth: 0.1, maxRounds: 8 };

/** Limits of LXD/Incus's rule (`migration.incremental.memory.goal` and `.iterations`). */
export interface LxdLimits {
  /** Stop once this fraction of the pages was skipped as unchanged (memory "in sync"). */
  readonly syncedGoal: number;
  /** Stop after this many rounds. */
  readonly maxRounds: number;
}

/** LXD/Incus's defaults: 70 % in sync, 10 rounds. */
export const LXD_LIMITS: LxdLimits = { syncedGoal: 0.7, maxRounds: 10 };

/** A round that goes on. */
const goOn = (reason: string): StopVerdict => ({ stop: false, reason });

/**
 * CRIU p.haul's rule: stop after `maxRounds` rounds (8), when the last round wrote at most `minPages` pages
 * (64), or when it wrote more than `maxGrowth` (10 %) more pages than the round before.
 */
export function phaulStop(history: readonly PageStats[], limits = PHAUL_LIMITS): StopVerdict {
  const n = history.length;
  const last = history[n - 1];
  if (last === undefined) return goOn('no round yet');
  if (n >= limits.maxRounds) return { stop: true, reason: `p.haul: reached ${limits.maxRounds} rounds` };
  if (last.pagesWritten <= limits.minPages)
    return {
      stop: true,
      reason: `p.haul: round wrote ${last.pagesWritten} pages, at most ${limits.minPages}`,
    };
  const prev = history[n - 2];
  if (prev !== undefined && last.pagesWritten > prev.pagesWritten * (1 + limits.maxGrowth))
    return {
      stop: true,
      reason: `p.haul: round wrote ${last.pagesWritten} pages, more than ${Math.round(limits.maxGrowth * 100)} % above the ${prev.pagesWritten} of the round before`,
    };
  return goOn(`p.haul: round wrote ${last.pagesWritten} pages`);
}

/**
 * LXD/Incus's rule: stop once the last round skipped at least `syncedGoal` (70 %) of the pages as unchanged,
 * or after `maxRounds` rounds (10).
 */
export function lxdStop(history: readonly PageStats[], limits = LXD_LIMITS): StopVerdict {
  const n = history.length;
  const last = history[n - 1];
  if (last === undefined) return goOn('no round yet');
  const total = last.pagesWritten + last.pagesSkipped;
  const synced = total === 0 ? 1 : last.pagesSkipped / total;
  const pct = `${(synced * 100).toFixed(1)} %`;
  if (synced >= limits.syncedGoal)
    return {
      stop: true,
      reason: `LXD: ${pct} of pages unchanged, goal ${Math.round(limits.syncedGoal * 100)} %`,
    };
  if (n >= limits.maxRounds) return { stop: true, reason: `LXD: reached ${limits.maxRounds} rounds` };
  return goOn(`LXD: ${pct} of pages unchanged`);
}

/** CRIU p.haul's rule as a {@link StopRule}. */
export const PHAUL_RULE: StopRule = { name: 'p.haul', decide: (h) => phaulStop(h) };

/** LXD/Incus's rule as a {@link StopRule}. */
export const LXD_RULE: StopRule = { name: 'lxd', decide: (h) => lxdStop(h) };
