/**
 * The diff of a `ferry.Container` (pure): what a change of inputs means for the running container.
 *
 * - placement (`placement.cluster`/`placement.host` against where the container really runs): an in-place
 *   update, i.e. a live migration; never a replace;
 * - image, command, name, env, labels, resources, network mode, ports, networks, restart policy: a replace
 *   (a new container);
 * - migration policy, health probe or cutover hook alone: an update that only rewrites the outputs;
 * - a change of provider code alone (`__provider`): no change;
 * - a container that is not running any more (refresh saw it exited or gone): a replace;
 * - unknown values (preview): counted as a change of their field.
 */
import { isUnknown } from './schema';

/** Inputs whose change needs a new container. */
export const REPLACE_KEYS = [
  'name',
  'image',
  'command',
  'env',
  'labels',
  'resources',
  'networkMode',
  'ports',
  'networks',
  'restart',
] as const;

/** Inputs whose change only rewrites the outputs. */
export const OUTPUT_ONLY_KEYS = ['migration', 'healthProbe', 'cutover'] as const;

/** What the diff decided, with the reasons (for the plan and for tests). */
export interface FerryDiff {
  /** Whether anything changes. */
  readonly changes: boolean;
  /** Properties that force a new container (empty: no replace). */
  readonly replaces: readonly string[];
  /** Whether the container moves to another host (a live migration). */
  readonly moves: boolean;
  /** Changed properties that only rewrite the outputs. */
  readonly outputOnly: readonly string[];
}

/** Deep equality of JSON values, where an absent property equals `undefined`. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  for (const k of keys) if (!jsonEqual(ao[k], bo[k])) return false;
  return true;
}

/** Whether `v` or anything inside it is Pulumi's unknown value. */
function hasUnknown(v: unknown): boolean {
  if (isUnknown(v)) return true;
  if (v === null || typeof v !== 'object') return false;
  return Object.values(v as Record<string, unknown>).some(hasUnknown);
}

/** A property differs, or is unknown (preview) and might. */
function differs(olds: Record<string, unknown>, news: Record<string, unknown>, key: string): boolean {
  return hasUnknown(news[key]) || !jsonEqual(olds[key], news[key]);
}

/**
 * Whether the desired placement differs from where the container runs. `olds.cluster`/`olds.host` are the
 * outputs (reality as last seen); an absent `placement.host` accepts any host of the cluster.
 */
export function placementMoves(olds: Record<string, unknown>, news: Record<string, unknown>): boolean {
  const p = news.placement;
  if (isUnknown(p)) return true;
  if (p === null || typeof p !== 'object') return false;
  const { cluster, host } = p as { cluster?: unknown; host?: unknown };
  const runsOn = {
    cluster: olds.cluster ?? (olds.placement as { cluster?: unknown } | undefined)?.cluster,
    host: olds.host ?? (olds.placement as { host?: unknown } | undefined)?.host,
  };
  if (isUnknown(cluster) || isUnknown(host)) return true;
  if (cluster !== runsOn.cluster) return true;
  return host !== undefined && host !== runsOn.host;
}

/**
 * Diffs the stored outputs `olds` (which include the inputs they were made from) against the new inputs.
 */
export function diffContainer(olds: Record<string, unknown>, news: Record<string, unknown>): FerryDiff {
  const replaces: string[] = REPLACE_KEYS.filter((k) => differs(olds, news, k));
  const state = olds.state;
  if (state !== undefined && state !== 'running' && replaces.length === 0) replaces.push('state');
  const moves = placementMoves(olds, news);
  const placementInputChanged = differs(olds, news, 'placement');
  const outputOnly: string[] = OUTPUT_ONLY_KEYS.filter((k) => differs(olds, news, k));
  // a placement input that changed without moving (e.g. `host` now spelled out) only rewrites outputs
  if (placementInputChanged && !moves) outputOnly.push('placement');
  const changes = replaces.length > 0 || moves || outputOnly.length > 0;
  return { changes, replaces, moves: moves && replaces.length === 0, outputOnly };
}
