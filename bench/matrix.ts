/**
 * The benchmark matrix (pure): profiles of workloads x links x strategies, the interleaved run order, and a
 * rough duration estimate. Nothing here touches the test bed.
 */
import { InvalidInput } from '../provider/errors';
import {
  STRATEGY_NAMES,
  type Cell,
  type LinkSpec,
  type PlannedRun,
  type StrategyName,
  type WorkloadSpec,
} from './types';

/** A named set of cells and strategies. */
export interface Profile {
  /** Profile name. */
  readonly name: string;
  /** Workloads. */
  readonly workloads: readonly WorkloadSpec[];
  /** Links. */
  readonly links: readonly LinkSpec[];
  /** Strategies. */
  readonly strategies: readonly StrategyName[];
  /** Repetitions per (cell, strategy); at least 3. */
  readonly reps: number;
}

/** Dirty-rate fractions of issue 6: idle, about 10 % and 50 % of the link, and above it (150 %). */
export const DIRTY_FRACTIONS = [0, 0.1, 0.5, 1.5] as const;

/** RTTs of issue 6, milliseconds. */
export const RTTS_MS = [1, 20, 50, 100] as const;

/** Bandwidths of issue 6, Mbit/s. */
export const BANDWIDTHS_MBIT = [100, 1000] as const;

/** Memory sizes of the dirtier in issue 6, MiB. */
export const DIRTIER_MIB = [64, 256, 1024] as const;

/** Tick period of the dirtier in the bench, milliseconds: the resolution of every downtime figure. */
export const DIRTIER_TICK_MS = 20;

/** A dirtier workload. */
export const dirtier = (mib: number, dirtyFraction: number): WorkloadSpec => ({
  kind: 'dirtier',
  mib,
  dirtyFraction,
  tickMs: DIRTIER_TICK_MS,
});

/** The Redis workload (64 MiB of keys, heartbeat every 20 ms). */
export const REDIS_WORKLOAD: WorkloadSpec = { kind: 'redis', mib: 64, tickMs: 20 };

/**
 * `quick`: one dirtier (64 MiB, dirtying 10 % of the link) on the bed's default link (50 ms, 100 Mbit/s),
 * 4 strategies x 3 repetitions = 12 runs: about 3 minutes on the development machine (2 vCPU).
 */
export const QUICK: Profile = {
  name: 'quick',
  workloads: [dirtier(64, 0.1)],
  links: [{ rttMs: 50, mbit: 100 }],
  strategies: STRATEGY_NAMES,
  reps: 3,
};

/** `full`: every workload of issue 6 on every link, 4 strategies x 3 repetitions. */
export const FULL: Profile = {
  name: 'full',
  workloads: [...DIRTIER_MIB.flatMap((m) => DIRTY_FRACTIONS.map((f) => dirtier(m, f))), REDIS_WORKLOAD],
  links: RTTS_MS.flatMap((rttMs) => BANDWIDTHS_MBIT.map((mbit) => ({ rttMs, mbit }))),
  strategies: STRATEGY_NAMES,
  reps: 3,
};

/** `rtt`: the quick cell on a short fat link and a long thin one (24 runs, about 5 minutes estimated). */
export const RTT: Profile = {
  ...QUICK,
  name: 'rtt',
  links: [
    { rttMs: 1, mbit: 1000 },
    { rttMs: 50, mbit: 100 },
  ],
};

/** `redis`: the real program on the bed's default link, 4 strategies x 3 repetitions (12 runs). */
export const REDIS: Profile = { ...QUICK, name: 'redis', workloads: [REDIS_WORKLOAD] };

/**
 * `sweep`: the 64 MiB dirtier at every dirty rate of the full profile, on a short and a long link at
 * 100 Mbit/s (8 cells, 96 runs): how the strategies move with RTT and dirty rate in under an hour.
 */
export const SWEEP: Profile = {
  name: 'sweep',
  workloads: DIRTY_FRACTIONS.map((f) => dirtier(64, f)),
  links: [
    { rttMs: 1, mbit: 100 },
    { rttMs: 100, mbit: 100 },
  ],
  strategies: STRATEGY_NAMES,
  reps: 3,
};

/** The profiles by name. */
export const PROFILES: Readonly<Record<string, Profile>> = {
  quick: QUICK,
  redis: REDIS,
  rtt: RTT,
  sweep: SWEEP,
  full: FULL,
};

/** Bytes per second of a link. */
export const linkBytesPerSecond = (l: LinkSpec): number => (l.mbit * 1e6) / 8;

/** The dirtier's `--dirty-mib-s` for a workload on a link: its fraction of the link's bandwidth, in MiB/s. */
export function dirtyMiBs(w: WorkloadSpec, l: LinkSpec): number {
  if (w.kind !== 'dirtier') return 0;
  return Math.round(((w.dirtyFraction * linkBytesPerSecond(l)) / 1048576) * 100) / 100;
}

/** A short stable name of a workload, e.g. `dirtier-64MiB-10%` or `redis-64MiB`. */
export function workloadKey(w: WorkloadSpec): string {
  return w.kind === 'dirtier'
    ? `dirtier-${w.mib}MiB-${Math.round(w.dirtyFraction * 100)}%`
    : `redis-${w.mib}MiB`;
}

/** A short stable name of a link, e.g. `50ms-100mbit`. */
export const linkKey = (l: LinkSpec): string => `${l.rttMs}ms-${l.mbit}mbit`;

/** A short stable name of a cell, e.g. `dirtier-64MiB-10%@50ms-100mbit`. */
export const cellKey = (c: Cell): string => `${workloadKey(c.workload)}@${linkKey(c.link)}`;

/**
 * Checks a profile: at least one of everything, reps >= `minReps` (3 in issue 6; smoke tests may lower it),
 * no duplicate strategy.
 */
export function validateProfile(p: Profile, minReps = 3): Profile {
  if (p.workloads.length === 0)
    throw new InvalidInput('profile.workloads', p.workloads, 'at least one workload');
  if (p.links.length === 0) throw new InvalidInput('profile.links', p.links, 'at least one link');
  if (p.strategies.length === 0 || new Set(p.strategies).size !== p.strategies.length)
    throw new InvalidInput('profile.strategies', p.strategies, 'one or more distinct strategies');
  if (!Number.isInteger(p.reps) || p.reps < minReps)
    throw new InvalidInput('profile.reps', p.reps, `an integer >= ${minReps}`);
  for (const l of p.links)
    if (!(l.rttMs >= 0) || !(l.mbit > 0))
      throw new InvalidInput('profile.links', l, 'rttMs >= 0 and mbit > 0');
  return p;
}

/**
 * The run order. Links are the outer loop (changing a link is live but affects everyone on the bed, so each
 * is set once); inside a link, repetition r runs every workload with every strategy, the strategies rotated
 * by one place per repetition and per workload. So each strategy takes each position in a round equally
 * often (with reps a multiple of the strategy count), and slow drifts of machine load hit all strategies
 * alike instead of the one that always runs last.
 */
export function runOrder(profile: Profile, minReps = 3): PlannedRun[] {
  const p = validateProfile(profile, minReps);
  const out: PlannedRun[] = [];
  const n = p.strategies.length;
  for (const link of p.links)
    for (let rep = 1; rep <= p.reps; rep++)
      p.workloads.forEach((workload, wi) => {
        for (let k = 0; k < n; k++) {
          const strategy = p.strategies[(k + rep - 1 + wi) % n]!;
          out.push({ seq: out.length, cell: { workload, link }, strategy, rep });
        }
      });
  return out;
}

/** Pre-copy rounds each strategy runs when the workload dirties memory faster than the link sends it. */
const HOT_ROUNDS: Readonly<Record<StrategyName, number>> = { 'hand-made': 0, 'p.haul': 8, lxd: 10, ferry: 1 };

/**
 * A rough wall-time estimate of one run, seconds: container start, settle and the engine's fixed costs
 * (about 6 s; 7 s for hand-made), one full copy of the memory at the link rate, and for pre-copy more
 * rounds' worth when the workload dirties memory (a hot workload makes the fixed rules run to their caps,
 * each round resending about the whole memory). Fitted to the wall times of the quick, redis and sweep
 * profiles of 2026-11-22 (64 MiB, 1/50/100 ms, 100 Mbit/s: 138 runs). The 256 MiB and 1 GiB cells of the
 * full profile are extrapolated by the same terms, not measured.
 */
export function estimateRunSeconds(r: Pick<PlannedRun, 'cell' | 'strategy'>): number {
  const { workload, link } = r.cell;
  const memBytes = workload.mib * 1048576;
  const copy = memBytes / (linkBytesPerSecond(link) * 0.95);
  const dumpAndDelta = memBytes / 300e6; // checkpoint + pagedelta per full image, ~300 MB/s here
  const fraction = workload.kind === 'dirtier' ? workload.dirtyFraction : 0.05;
  if (r.strategy === 'hand-made') return 7 + copy + 2 * dumpAndDelta;
  const hot = fraction >= 1;
  const rounds = hot
    ? HOT_ROUNDS[r.strategy]
    : fraction === 0
      ? 1
      : 1 + Math.min(4, Math.ceil(-Math.log(0.05) / -Math.log(1 - fraction)));
  const extra = hot ? (rounds - 1) * copy : Math.min(1, fraction) * copy * Math.min(rounds, 3);
  const measure = r.strategy === 'ferry' ? 1.5 + dumpAndDelta : 0;
  return 6 + measure + copy + extra + (rounds + 1) * dumpAndDelta;
}

/** Estimated wall time of a whole profile, seconds (sum of {@link estimateRunSeconds}). */
export function estimateProfileSeconds(p: Profile, minReps = 3): number {
  return runOrder(p, minReps).reduce((s, r) => s + estimateRunSeconds(r), 0);
}
