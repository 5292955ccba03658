/** `ferry testbed link`: changes one link live (rate via HTB, delay and cut via the relay). */
import { PrerequisiteMissing } from '../provider/errors';
import { linkPlan, resolveCluster } from './address-plan';
import { validateBandwidth, validateRtt, type CutMode, type LinkSettings } from './link-settings';
import { loadTestbed } from './load';
import { withLock } from './lock';
import { ensureRelay } from './relay-control';
import { setLinkRate } from './shaping';
import { readState, withLink, writeState, type LinkState } from './state';

/** Options shared by the link operations. */
export interface LinkOptions {
  /** State dir (default `FERRY_TESTBED_DIR` or /var/lib/ferry/testbed). */
  readonly stateDir?: string;
}

/** The change to make to a link. */
export interface LinkChange extends Partial<LinkSettings> {
  /** New cut state (undefined: unchanged). */
  readonly cut?: CutMode;
}

/**
 * Changes the link between clusters `a` and `b` (names like `cluster-a`, `a` or `1`) while the bed runs.
 * A new rate applies at once to both directions (HTB class change); a new RTT applies to data arriving at
 * the relay from then on (data already queued keeps its release time); cut/restore act on open connections
 * too (see `CutMode`).
 * @returns the link's new stored state.
 * @throws PrerequisiteMissing when no bed is up; InvalidInput for unknown clusters or bad values.
 */
export async function changeLink(
  a: string,
  b: string,
  change: LinkChange,
  options: LinkOptions = {},
): Promise<LinkState> {
  const { paths, state: initial } = loadTestbed(options.stateDir);
  const plan = linkPlan(resolveCluster(a, initial.clusterCount), resolveCluster(b, initial.clusterCount));
  if (change.rtt !== undefined) validateRtt(change.rtt);
  if (change.bandwidth !== undefined) validateBandwidth(change.bandwidth);
  return withLock(paths, `testbed link ${plan.id}`, async () => {
    const state = readState(paths);
    const old = state?.links.find((l) => l.id === plan.id);
    if (state === undefined || old === undefined) {
      throw new PrerequisiteMissing('test bed', `link ${plan.id} is not up`, {
        hint: 'run `ferry testbed up` first',
      });
    }
    const next = withLink(state, plan.id, {
      ...(change.rtt !== undefined ? { rttSeconds: change.rtt } : {}),
      ...(change.bandwidth !== undefined ? { bandwidthBytesPerSecond: change.bandwidth } : {}),
      ...(change.cut !== undefined ? { cut: change.cut } : {}),
    });
    const link = next.links.find((l) => l.id === plan.id)!;
    if (link.bandwidthBytesPerSecond !== old.bandwidthBytesPerSecond) await setLinkRate(link);
    await ensureRelay(paths, next);
    writeState(paths, next);
    return link;
  });
}

/** Sets a link's RTT and/or bandwidth (each direction), live. See {@link changeLink}. */
export function setLink(
  a: string,
  b: string,
  settings: Partial<LinkSettings>,
  options: LinkOptions = {},
): Promise<LinkState> {
  return changeLink(a, b, settings, options);
}

/**
 * Cuts a link: `reset` (default) makes transfers across it fail at once, `blackhole` makes them hang.
 * Management access from the machine running Ferry to every host is unaffected. See `CutMode`.
 */
export function cutLink(
  a: string,
  b: string,
  mode: Exclude<CutMode, 'none'> = 'reset',
  options: LinkOptions = {},
): Promise<LinkState> {
  return changeLink(a, b, { cut: mode }, options);
}

/** Undoes {@link cutLink}: new connections work again; after `blackhole`, stalled connections resume. */
export function restoreLink(a: string, b: string, options: LinkOptions = {}): Promise<LinkState> {
  return changeLink(a, b, { cut: 'none' }, options);
}
