/**
 * The migration planner: start condition, termination, strategy choice. Pure: the same inputs always give
 * the same plan, and a plan carries the inputs that reproduce it.
 */
import { formatBytes, formatDuration, seconds } from '../units';
import {
  copyThreshold,
  deriveParams,
  roundCost,
  roundOverhead,
  roundRate,
  switchover,
  type ModelParams,
} from './costs';
import type { ModelInputs, ResolvedInputs } from './inputs';
import { fromPrediction, PLAN_SCHEMA, type MigrationPlan, type StrategySummary } from './plan';
import { contractionRatio, effectiveFloor, nextResidual, residualFloor } from './recurrence';
import { floorDowntime, modelStopRule, runPrecopy, type RoundObservation } from './simulate';
import { predictStrategy, STRATEGIES, type Strategy, type StrategyPrediction } from './strategies';
import type { StopRule } from './stop-rules';
import { resolveInputs } from './validate';

const ms = formatDuration;
const mb = formatBytes;

/** Whether iterative pre-copy beats a single stop-and-copy on these inputs, and why, in words. */
export interface StartCondition {
  /** `true` when the first round saves more downtime than the pause of its own checkpoint. */
  readonly worthwhile: boolean;
  /** Why, in words. */
  readonly reason: string;
}

/**
 * The start condition: pre-copy is worth starting when rounds are allowed and the first round lowers the
 * predicted downtime by more than the pause of its checkpoint: `downtime(0) - downtime(1) > pause_0`. In the
 * uncapped case this needs r < 1 and M > c (otherwise V_1 >= M and nothing is saved); with a working set
 * W < M one round can pay off even when r >= 1, because it brings the residual from M down to W.
 */
export function startCondition(p: ModelParams): StartCondition {
  const r = contractionRatio(p);
  const c = residualFloor(p);
  const rc = `r = D/B_eff = ${r.toFixed(3)}, floor c = ${c === null ? 'none (r >= 1)' : mb(c)}`;
  if (p.policy.maxRounds === 0)
    return { worthwhile: false, reason: 'pre-copy not started: the policy allows no rounds (maxRounds = 0)' };
  const d0 = switchover(p, 'copy', p.memory, 0).downtime;
  const v1 = nextResidual(p, p.memory);
  const d1 = switchover(p, 'copy', v1, 1).downtime;
  const pause = roundCost(p, p.memory).pause;
  const saving = seconds(Math.max(0, d0 - d1));
  const cut = `the first round would take the downtime from ${ms(d0)} to ${ms(d1)} (residual ${mb(p.memory)} -> ${mb(v1)})`;
  if (saving > pause)
    return {
      worthwhile: true,
      reason: `pre-copy can start: ${rc}; ${cut}, saving ${ms(saving)}, more than the ${ms(pause)} pause of its checkpoint${r >= 1 ? '; rounds do not converge (r >= 1) but the working set caps the residual' : ''}`,
    };
  const cause =
    r >= 1
      ? 'the dirty rate is at least the round rate, so rounds do not converge'
      : c !== null && c >= p.memory
        ? `the memory ${mb(p.memory)} is not above the floor c that RTT and per-round overhead set`
        : 'RTT and per-round costs outweigh what one round saves';
  return {
    worthwhile: false,
    reason: `pre-copy not started: ${rc}; ${cut}, saving ${ms(saving)}, not more than the ${ms(pause)} pause of its checkpoint: ${cause}`,
  };
}

function summarize(
  p: ModelParams,
  s: StrategyPrediction,
  allowed: boolean,
  viable: boolean,
  note: string,
): StrategySummary {
  const budget = p.policy.timeBudget;
  return {
    strategy: s.strategy,
    rounds: s.rounds.length,
    downtime: s.downtime,
    totalTime: s.totalTime,
    bytesOnWire: s.bytesOnWire,
    degradedTime: s.degradedTime,
    roundPauses: s.roundPauses,
    allowed,
    viable,
    meetsTarget: s.downtime <= p.policy.targetDowntime,
    withinBudget: budget === null || s.totalTime <= budget,
    note,
  };
}

function modelSummary(p: ModelParams, stopRule: string): MigrationPlan['model'] {
  return {
    bandwidth: p.bandwidth,
    dirtyRate: p.dirtyRate,
    roundRate: roundRate(p),
    roundOverhead: roundOverhead(p),
    ratio: contractionRatio(p),
    floor: residualFloor(p),
    effectiveFloor: effectiveFloor(p),
    floorDowntime: floorDowntime(p),
    thresholdResidual: copyThreshold(p, p.policy.targetDowntime),
    stopRule,
  };
}

function warningsFor(p: ModelParams, chosen: StrategyPrediction): string[] {
  const out: string[] = [];
  const firstPause = chosen.rounds[0]?.pause;
  if (firstPause !== undefined && firstPause > p.policy.targetDowntime)
    out.push(
      `each pre-copy round freezes the container for ${ms(firstPause)}${p.costs.dirtyTracking ? '' : ' (a full checkpoint: no dirty-page tracking)'}, more than the target downtime`,
    );
  if (chosen.pull !== null)
    out.push(
      `post-copy: for ${ms(chosen.pull.degraded)} after the switchover the container needs the source and the link; if either fails, the container is lost`,
    );
  return out;
}

interface Assembly {
  readonly p: ModelParams;
  readonly inputs: ResolvedInputs;
  readonly chosen: StrategyPrediction;
  readonly start: string;
  readonly termination: string;
  readonly choice: string;
  readonly stopRule: string;
  readonly alternatives: readonly StrategySummary[];
}

function assemble(a: Assembly): MigrationPlan {
  const summary = a.alternatives.find((s) => s.strategy === a.chosen.strategy)!;
  const { extraDowntimeAcceptable } = a.p.policy;
  return {
    schema: PLAN_SCHEMA,
    ...fromPrediction(a.chosen),
    meetsTarget: summary.meetsTarget,
    withinBudget: summary.withinBudget,
    acceptable: summary.withinBudget && (summary.meetsTarget || extraDowntimeAcceptable),
    reasons: { start: a.start, termination: a.termination, choice: a.choice },
    warnings: warningsFor(a.p, a.chosen),
    model: modelSummary(a.p, a.stopRule),
    alternatives: a.alternatives,
    inputs: a.inputs,
  };
}

/** Picks a strategy among `all` by the policy and explains the choice in words. */
function choose(p: ModelParams, all: readonly StrategySummary[]): { pick: StrategySummary; choice: string } {
  const target = ms(p.policy.targetDowntime);
  const eligible = all.filter((s) => s.allowed && s.viable);
  const good = eligible.filter((s) => s.meetsTarget && s.withinBudget);
  const others = (pick: StrategySummary) =>
    all
      .filter((s) => s !== pick)
      .map(
        (s) =>
          `${s.strategy}: ${s.allowed ? (s.viable ? `${ms(s.downtime)} downtime, ${ms(s.totalTime)} total` : 'not viable') : 'not allowed by the policy'}`,
      )
      .join('; ');
  if (good.length > 0) {
    const pick = good.reduce((b, s) => (s.totalTime < b.totalTime ? s : b));
    return {
      pick,
      choice: `${pick.strategy} meets the target ${target} (predicted ${ms(pick.downtime)}) with the shortest total time (${ms(pick.totalTime)}); ${good.length} of ${all.length} strategies meet the target within the budget (${others(pick)})`,
    };
  }
  const inBudget = eligible.filter((s) => s.withinBudget);
  const pool = inBudget.length > 0 ? inBudget : eligible;
  const pick = pool.reduce((b, s) =>
    s.downtime < b.downtime || (s.downtime === b.downtime && s.totalTime < b.totalTime) ? s : b,
  );
  const { extraDowntimeAcceptable, postCopyAllowed } = p.policy;
  const budgetNote = inBudget.length > 0 ? '' : ' and none fits the time budget';
  const options = [
    'raise the target',
    ...(postCopyAllowed ? [] : ['allow post-copy']),
    ...(extraDowntimeAcceptable ? [] : ['accept extra downtime']),
    ...(inBudget.length === 0 ? ['extend the time budget'] : []),
  ];
  const verdict =
    extraDowntimeAcceptable && inBudget.length > 0
      ? 'the policy accepts extra downtime, so this plan may run'
      : `the policy does not accept this plan: do not migrate now, or ${options.join(', or ')}`;
  return {
    pick,
    choice: `no allowed strategy meets the target ${target} within the budget${budgetNote}; the least downtime is ${ms(pick.downtime)} by ${pick.strategy} (${others(pick)}); ${verdict}`,
  };
}

const NOTES: Record<Strategy, string> = {
  'stop-and-copy': 'freeze, send all memory, restore',
  'pre-copy': 'rounds while running, then stop-and-copy of the residual',
  'post-copy': 'switch over first, then pull memory lazily over the link',
  hybrid: 'rounds while running, then post-copy of the residual',
};

/**
 * Plans a migration: validates the inputs (throws `InvalidInput`), predicts all four strategies, and picks
 * one by the policy: among allowed and viable strategies, those meeting the target downtime within the
 * budget, the one with the shortest total time; if none does, the one with the least downtime, with
 * `acceptable: false` unless the policy accepts extra downtime. Never throws for infeasible inputs.
 */
export function planMigration(inputs: ModelInputs): MigrationPlan {
  const resolved = resolveInputs(inputs);
  const p = deriveParams(resolved);
  const start = startCondition(p);
  const run = runPrecopy(p, modelStopRule(p));
  // the model rule stops at policy.maxRounds (at 1 when it is 0: pre-copy is then not allowed)
  const rounds = run.rounds;
  const roundsAllowed = p.policy.maxRounds > 0;
  const post = p.policy.postCopyAllowed;
  const predictions = STRATEGIES.map((s) => predictStrategy(p, s, rounds));
  const flags: Record<Strategy, [boolean, boolean]> = {
    'stop-and-copy': [true, true],
    'pre-copy': [roundsAllowed, start.worthwhile],
    'post-copy': [post, true],
    hybrid: [post && roundsAllowed, start.worthwhile],
  };
  const alternatives = predictions.map((s) =>
    summarize(p, s, flags[s.strategy][0], flags[s.strategy][1], NOTES[s.strategy]),
  );
  const { pick, choice } = choose(p, alternatives);
  const chosen = predictions.find((s) => s.strategy === pick.strategy)!;
  const termination =
    chosen.rounds.length > 0
      ? run.reason
      : `no pre-copy rounds: ${pick.strategy === 'post-copy' ? 'memory follows the switchover lazily' : 'all memory is sent while the container is frozen'}`;
  return assemble({
    p,
    inputs: resolved,
    chosen,
    start: start.reason,
    termination,
    choice,
    stopRule: 'model',
    alternatives,
  });
}

/**
 * Simulates a whole pre-copy run under `rule` (e.g. {@link PHAUL_RULE}, {@link LXD_RULE} or the model's)
 * on the same inputs, for benchmarks: always at least one round, then a copy switchover. The plan's strategy
 * is `pre-copy`; `policy.maxRounds` does not apply (the rule has its own cap).
 */
export function simulatePrecopy(inputs: ModelInputs, rule: StopRule<RoundObservation>): MigrationPlan {
  const resolved = resolveInputs(inputs);
  const p = deriveParams(resolved);
  const run = runPrecopy(p, rule);
  const chosen = predictStrategy(p, 'pre-copy', run.rounds);
  const summary = summarize(p, chosen, true, true, `pre-copy under the ${rule.name} rule`);
  return assemble({
    p,
    inputs: resolved,
    chosen,
    start: `simulation of the ${rule.name} rule: rounds start unconditionally (${startCondition(p).reason})`,
    termination: run.reason,
    choice: `pre-copy is imposed by the simulation of the ${rule.name} rule`,
    stopRule: rule.name,
    alternatives: [summary],
  });
}
