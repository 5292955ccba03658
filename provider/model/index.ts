/**
 * Ferry's latency model and migration planner: a pure core (no I/O, no clock) that predicts how to move a
 * running container over a link with real latency. See docs/model.md for the model and its closed forms.
 */
export type {
  CheckpointCosts,
  ContainerProfile,
  DirtySample,
  LinkProfile,
  MigrationPolicy,
  ModelInputs,
  ResolvedCosts,
  ResolvedInputs,
  ResolvedPolicy,
  RestoreScope,
  TransferSample,
} from './inputs';
export {
  DEFAULT_PAGE_SIZE,
  DEFAULT_POLICY,
  MAX_RTT,
  MIN_BANDWIDTH,
  ROUND_LIMIT,
  UNCALIBRATED_COSTS,
} from './defaults';
export { checkBytes, checkSeconds, resolveInputs } from './validate';
export { dirtySampleRate, ewma, ewmaRate, transferRate } from './ewma';
export {
  copyThreshold,
  deltaTime,
  deriveParams,
  freezeTime,
  lazyPull,
  restoreTime,
  roundCost,
  roundOverhead,
  roundRate,
  sendTime,
  switchover,
  withRates,
  type ModelParams,
  type PullBreakdown,
  type RoundCost,
  type SwitchoverBreakdown,
  type SwitchoverMode,
} from './costs';
export {
  contractionRatio,
  effectiveFloor,
  nextResidual,
  residualAfterRounds,
  residualFloor,
  roundsToReach,
} from './recurrence';
export {
  precopyRounds,
  predictRound,
  predictStrategy,
  STRATEGIES,
  type Phase,
  type PhaseKind,
  type RoundPrediction,
  type Strategy,
  type StrategyPrediction,
} from './strategies';
export {
  LXD_LIMITS,
  LXD_RULE,
  lxdStop,
  PHAUL_LIMITS,
  PHAUL_RULE,
  phaulStop,
  type LxdLimits,
  type PageStats,
  type PhaulLimits,
  type StopRule,
  type StopVerdict,
} from './stop-rules';
export { floorDowntime, modelStopRule, runPrecopy, type PrecopyRun, type RoundObservation } from './simulate';
export {
  PLAN_SCHEMA,
  type MigrationPlan,
  type ModelSummary,
  type PlanReasons,
  type StrategySummary,
} from './plan';
export { planMigration, simulatePrecopy, startCondition, type StartCondition } from './planner';
export {
  controllerStep,
  decideSwitchover,
  observeRound,
  startController,
  type ControllerAction,
  type ControllerDecision,
  type ControllerState,
  type RoundMeasurement,
} from './controller';
export { planHeadline, planToMarkdown, planToString } from './render';
