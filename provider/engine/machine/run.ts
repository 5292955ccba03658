/**
 * The loop of the migration state machine: while the journal is in a state that has a handler, run it; its
 * result (or, when it throws, {@link failureEvent}) is the next transition, written to the journal before
 * anything else happens. Live migrations and recovery run the same loop, with the same handlers for the
 * states they share (target-running, verified, rolling-back).
 */
import { isTerminal, type Journal, type JournalEvent, type JournalState } from '../journal/journal';
import { failureEvent, PHASE_OF } from './phases';
import { JournalUnwritable, type MigrationPhase } from '../../errors';
import type { JournalWriter } from './writer';

/** What a handler returns: the transition, and changes to the journal that go with it. */
export interface HandlerResult {
  /** The transition. */
  readonly event: JournalEvent;
  /** Applied after the transition (e.g. pending cleanup steps). */
  readonly update?: (j: Journal) => Journal;
}

/** The work of one state. */
export type Handler<C> = (ctx: C, journal: JournalWriter) => Promise<HandlerResult>;

/** Handlers by state; a state without one ends the loop (terminal, `fenced`, or not this machine's). */
export type Handlers<C> = Partial<Readonly<Record<JournalState, Handler<C>>>>;

/** The first failure of a run, with the phase it happened in. */
export interface MachineFailure {
  /** The phase of the state whose work failed. */
  readonly phase: MigrationPhase;
  /** The error. */
  readonly error: unknown;
}

/** How a run ended. */
export interface MachineRun {
  /** The state it stopped in. */
  readonly state: JournalState;
  /** The first work that failed (the cause of a rollback), if any. */
  readonly failure: MachineFailure | undefined;
  /** Later failures (of the rollback itself), if any. */
  readonly laterFailures: readonly MachineFailure[];
}

/**
 * The states whose work is only begun while the journal is durable: up to the final checkpoint the source
 * runs untouched, so a journal that cannot be saved (a full disk) turns into a rollback at once, rather than
 * a switchover that a crash would leave without a record. From `frozen` on, going forward is the fastest way
 * to a running copy, and a failed save is only recorded (`writeFailures`).
 */
const NEEDS_DURABLE_JOURNAL: ReadonlySet<JournalState> = new Set([
  'started',
  'prepared',
  'copying',
  'target-created',
]);

/**
 * Runs the machine from the writer's current state until a state without a handler. `onFailure` hears of
 * every failed handler and the transition it leads to (for progress lines).
 */
export async function runMachine<C>(
  ctx: C,
  handlers: Handlers<C>,
  w: JournalWriter,
  onFailure?: (f: MachineFailure, next: JournalEvent) => void,
  fenceCommand?: string,
): Promise<MachineRun> {
  let failure: MachineFailure | undefined;
  const later: MachineFailure[] = [];
  for (;;) {
    const state = w.current.state;
    const handler = handlers[state];
    if (handler === undefined || isTerminal(state)) return { state, failure, laterFailures: later };
    let result: HandlerResult;
    try {
      const unsaved = w.writeFailures[w.writeFailures.length - 1];
      if (unsaved !== undefined && NEEDS_DURABLE_JOURNAL.has(state)) throw new JournalUnwritable(unsaved);
      result = await handler(ctx, w);
    } catch (e) {
      const f = { phase: PHASE_OF[state], error: e };
      if (failure === undefined) failure = f;
      else later.push(f);
      result = { event: failureEvent(state, e, fenceCommand) };
      onFailure?.(f, result.event);
    }
    await w.step(result.event);
    if (result.update !== undefined) await w.update(result.update);
  }
}
