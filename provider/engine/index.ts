/**
 * Ferry's migration engine: moves one running container between Docker Engines in two clusters with
 * CRIU (runc), SSH and the Engine API. Entry points: {@link migrate} and {@link recover}. See docs/engine.md.
 */
export { migrate, newMigrationId } from './migrate';
export { DIRTY_INTERVAL } from './measure/prepare';
export {
  recover,
  decideRecovery,
  type Observed,
  type ObservedContainer,
  type RecoveryAction,
  type RecoveryDecision,
  type RecoveryResult,
} from './recovery/recover';
export { reportToMarkdown, type MigrationReport, type RestoreBreakdown } from './report';
export {
  defaultJournalDir,
  fileJournalStore,
  isTerminal,
  memoryJournalStore,
  newJournal,
  transition,
  JOURNAL_SCHEMA,
  type Journal,
  type JournalEvent,
  type JournalState,
  type JournalStore,
} from './journal/journal';
export { resolveHostRef } from './host-ref';
export type {
  NamedObservation,
  WorkloadCheck,
  WorkloadCheckContext,
  WorkloadObservation,
} from './verify/verify';
export { receiveScript, receiveCommand } from './data-path/receive-script';
export { ENGINE_COSTS, ENGINE_POLICY, planInputs } from './measure/plan-inputs';
export type { RoundRecord } from './precopy/precopy';
export {
  hostLabel,
  systemClock,
  type Clock,
  type HostRef,
  type MigrationDeps,
  type MigrationHooks,
  type MigrationRequest,
  type ProgressEvent,
  type StrategyChoice,
} from './types';
