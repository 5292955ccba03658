/**
 * The fault families of the campaign and the journal states they can be triggered at (pure data). A family
 * is what `--faults` names; each trial draws the variant (cut or blackhole, source or target, TERM or KILL...).
 */

import type { JournalState } from '../../provider/engine/journal/journal';

/** A journal state name (the engine's own type). */
export type JournalStateName = JournalState;

/** States after which a migration is over and nothing is left to do. */
export const GOOD_TERMINAL_STATES: readonly string[] = ['done', 'rolled-back'];

/**
 * The fault families, in the order of the brief: (a) the link cut or blackholed, (b) the relay killed,
 * (c) a dockerd stopped, (d) the controller killed, (e) images corrupted on the target, (f) two migrations of
 * the same container at once, (g) a full disk on the target or on the controller.
 */
export const FAULT_FAMILIES = [
  'link',
  'relay',
  'dockerd',
  'controller',
  'corrupt',
  'double',
  'disk',
] as const;

/** A fault family. */
export type FaultFamily = (typeof FAULT_FAMILIES)[number];

/** Short aliases accepted by `--faults` besides the family names (the brief's letters). */
export const FAMILY_ALIASES: Readonly<Record<string, FaultFamily>> = {
  a: 'link',
  b: 'relay',
  c: 'dockerd',
  d: 'controller',
  e: 'corrupt',
  f: 'double',
  g: 'disk',
};

/** The journal states a family may be triggered at (an empty list: delay triggers only). */
export const TRIGGER_STATES: Readonly<Record<FaultFamily, readonly JournalStateName[]>> = {
  link: ['prepared', 'copying', 'target-created', 'frozen', 'restoring'],
  relay: ['prepared', 'copying', 'target-created', 'frozen', 'restoring'],
  dockerd: ['copying', 'target-created', 'frozen', 'restoring', 'target-running', 'verified'],
  controller: [
    'started',
    'prepared',
    'copying',
    'target-created',
    'frozen',
    'restoring',
    'target-running',
    'verified',
  ],
  corrupt: ['copying', 'target-created', 'frozen', 'restoring'],
  double: [],
  disk: ['prepared', 'copying', 'target-created'],
};

/**
 * The states the controller's disk may fill at (the `disk` family's controller side): every state the
 * controller writes its journal from, up to the cleanup.
 */
export const CONTROLLER_DISK_STATES: readonly JournalStateName[] = [
  'started',
  'prepared',
  'copying',
  'target-created',
  'frozen',
  'restoring',
  'target-running',
];

/** Whether a family may also be triggered by a plain delay after the controller started. */
export const DELAY_TRIGGERS: Readonly<Record<FaultFamily, boolean>> = {
  link: true,
  relay: true,
  dockerd: true,
  controller: false,
  corrupt: false,
  double: true,
  disk: false,
};
