/**
 * Trial plans drawn from a seed (pure): which cluster the workload starts on, how fast it dirties memory,
 * and the one fault of the trial (its variant, its trigger, how long until it is undone). Same seed and same
 * families, same plans; trial `k` depends only on the seed, `k` and the families, so it can be re-run alone.
 */
import {
  CONTROLLER_DISK_STATES,
  DELAY_TRIGGERS,
  FAULT_FAMILIES,
  TRIGGER_STATES,
  type FaultFamily,
  type JournalStateName,
} from './fault-kinds';
import { makeRng, trialSeed, type Rng } from './prng';

/** The two clusters of the bed the campaign uses. */
export const CLUSTERS = ['cluster-a', 'cluster-b'] as const;

/** A cluster of the campaign. */
export type ClusterName = (typeof CLUSTERS)[number];

/** When a fault strikes: once a journal reached a state, or a delay (milliseconds) after the controller started. */
export type Trigger =
  | { readonly kind: 'state'; readonly state: JournalStateName }
  | { readonly kind: 'delay'; readonly ms: number };

/** The one fault of a trial. Durations are milliseconds. */
export type FaultPlan =
  | {
      readonly family: 'link';
      readonly mode: 'reset' | 'blackhole';
      readonly trigger: Trigger;
      readonly restoreAfterMs: number;
    }
  | { readonly family: 'relay'; readonly trigger: Trigger; readonly restoreAfterMs: number }
  | {
      readonly family: 'dockerd';
      readonly side: 'source' | 'target';
      readonly signal: 'SIGTERM' | 'SIGKILL';
      readonly trigger: Trigger;
      readonly restoreAfterMs: number;
    }
  | {
      readonly family: 'controller';
      /** What runs the migration: `ferry migrate`, or a `pulumi up` (the CLI, its language host, the provider). */
      readonly via: 'cli' | 'pulumi';
      readonly trigger: Trigger;
    }
  | { readonly family: 'corrupt'; readonly file: 'pstree' | 'pages'; readonly trigger: Trigger }
  | { readonly family: 'double'; readonly trigger: Trigger }
  | {
      readonly family: 'disk';
      /** Whose disk fills: the target host's work dir, or the controller's journal dir. */
      readonly side: 'target' | 'controller';
      readonly freeMib: number;
      readonly trigger: Trigger;
    };

/** One trial's plan. */
export interface TrialPlan {
  /** 1-based trial number. */
  readonly index: number;
  /** The trial's own seed (derived from the campaign seed). */
  readonly seed: number;
  /** The workload container's name (unique per campaign seed and trial). */
  readonly name: string;
  /** Where the workload starts. */
  readonly source: ClusterName;
  /** Where it is migrated to. */
  readonly target: ClusterName;
  /** The dirtier's `--dirty-mib-s`, MiB per second. */
  readonly dirtyMibS: number;
  /** The fault. */
  readonly fault: FaultPlan;
}

/** What the plans of a campaign depend on. */
export interface CampaignShape {
  /** Campaign seed (32-bit unsigned). */
  readonly seed: number;
  /** Number of trials. */
  readonly trials: number;
  /** Families to draw from (non-empty, no duplicates). */
  readonly families: readonly FaultFamily[];
}

/** The fault kind without its trigger, e.g. `link-cut`, `target-dockerd-kill`, `corrupt-pages`. */
export function faultKind(f: FaultPlan): string {
  switch (f.family) {
    case 'link':
      return f.mode === 'reset' ? 'link-cut' : 'link-blackhole';
    case 'relay':
      return 'relay-kill';
    case 'dockerd':
      return `${f.side}-dockerd-${f.signal === 'SIGKILL' ? 'kill' : 'term'}`;
    case 'controller':
      return f.via === 'cli' ? 'controller-kill' : 'pulumi-up-kill';
    case 'corrupt':
      return `corrupt-${f.file}`;
    case 'double':
      return 'double-migrate';
    case 'disk':
      return `${f.side}-disk-full`;
  }
}

/** `@copying` for a state trigger, `@+4.2s` for a delay. */
export function triggerLabel(t: Trigger): string {
  return t.kind === 'state' ? `@${t.state}` : `@+${(t.ms / 1000).toFixed(1)}s`;
}

/** The fault as the trial line shows it, e.g. `target-dockerd-kill@restoring`. */
export function faultLabel(f: FaultPlan): string {
  return `${faultKind(f)}${triggerLabel(f.trigger)}`;
}

/** The order families are used in: a seeded shuffle, so that N trials cover min(N, families) of them. */
export function familyOrder(seed: number, families: readonly FaultFamily[]): FaultFamily[] {
  const known = FAULT_FAMILIES.filter((f) => families.includes(f));
  return makeRng(trialSeed(seed, 0)).shuffle(known);
}

/**
 * A trigger: a journal state, or a delay after the controller started drawn from `delay` (ms). The delays of
 * the link, relay and dockerd faults lie within 1.5 to 7.5 s: a 64 MiB move over 20 ms / 200 Mbit/s takes
 * 8 to 9 s on the bed, so a later delay would often strike after the migration ended.
 */
function drawTrigger(
  rng: Rng,
  family: FaultFamily,
  delay: readonly [number, number],
  states: readonly JournalStateName[] = TRIGGER_STATES[family],
): Trigger {
  const byDelay = DELAY_TRIGGERS[family] && (states.length === 0 || rng.chance(0.35));
  if (byDelay) return { kind: 'delay', ms: rng.int(delay[0] / 100, delay[1] / 100) * 100 };
  return { kind: 'state', state: rng.pick(states) };
}

function drawFault(rng: Rng, family: FaultFamily): FaultPlan {
  switch (family) {
    case 'link':
      return {
        family,
        mode: rng.pick(['reset', 'blackhole'] as const),
        trigger: drawTrigger(rng, family, [1500, 7500]),
        restoreAfterMs: rng.int(5, 60) * 100,
      };
    case 'relay':
      return {
        family,
        trigger: drawTrigger(rng, family, [1500, 7500]),
        restoreAfterMs: rng.int(5, 50) * 100,
      };
    case 'dockerd':
      return {
        family,
        side: rng.pick(['source', 'target'] as const),
        signal: rng.pick(['SIGTERM', 'SIGKILL'] as const),
        trigger: drawTrigger(rng, family, [1500, 7500]),
        restoreAfterMs: rng.int(10, 60) * 100,
      };
    case 'controller':
      return {
        family,
        via: rng.pick(['cli', 'pulumi'] as const),
        trigger: drawTrigger(rng, family, [0, 0]),
      };
    case 'corrupt':
      return {
        family,
        file: rng.pick(['pstree', 'pages'] as const),
        trigger: drawTrigger(rng, family, [0, 0]),
      };
    case 'double':
      return { family, trigger: drawTrigger(rng, family, [0, 1500]) };
    case 'disk': {
      // The controller's journal is a few KiB: its disk is full only with nothing left free.
      const side = rng.pick(['target', 'controller'] as const);
      return side === 'target'
        ? { family, side, freeMib: rng.int(0, 24), trigger: drawTrigger(rng, family, [0, 0]) }
        : { family, side, freeMib: 0, trigger: drawTrigger(rng, family, [0, 0], CONTROLLER_DISK_STATES) };
    }
  }
}

/**
 * The plan of trial `k` (1-based) of a campaign.
 * @throws RangeError when `k` is not a trial of the campaign or no family is given.
 */
export function planTrial(shape: CampaignShape, k: number): TrialPlan {
  if (!Number.isInteger(k) || k < 1 || k > shape.trials)
    throw new RangeError(`trial ${k}: expected 1..${shape.trials}`);
  const order = familyOrder(shape.seed, shape.families);
  if (order.length === 0) throw new RangeError('no fault family to draw from');
  const seed = trialSeed(shape.seed, k);
  const rng = makeRng(seed);
  const source = rng.pick(CLUSTERS);
  const target = source === 'cluster-a' ? 'cluster-b' : 'cluster-a';
  const dirtyMibS = rng.int(2, 16) / 2;
  const fault = drawFault(rng, order[(k - 1) % order.length]!);
  return { index: k, seed, name: `faults-${shape.seed}-${k}`, source, target, dirtyMibS, fault };
}

/** The plans of every trial of a campaign, in order. */
export function planCampaign(shape: CampaignShape): TrialPlan[] {
  return Array.from({ length: shape.trials }, (_, i) => planTrial(shape, i + 1));
}
