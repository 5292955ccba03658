/** Applying HTB shaping in the WAN namespace (thin I/O over ./tc-plan.ts). */
import { InvalidInput } from '../provider/errors';
import { resolveCluster, type ClusterPlan } from './address-plan';
import { run, tryRun } from './exec';
import { linkSettingsOf, type LinkState } from './state';
import {
  buildShapingArgv,
  changeRateArgv,
  deleteShapingArgv,
  shapingMatches,
  showClassArgv,
  showFilterArgv,
  showQdiscArgv,
  type PeerRate,
} from './tc-plan';

/** The peers of cluster `c` with the bandwidth of each link. */
export function peerRates(
  c: ClusterPlan,
  clusters: readonly ClusterPlan[],
  links: readonly LinkState[],
): PeerRate[] {
  return clusters
    .filter((o) => o.index !== c.index)
    .map((peer) => {
      const link = links.find(
        (l) => (l.a === c.name && l.b === peer.name) || (l.b === c.name && l.a === peer.name),
      );
      if (!link) throw new InvalidInput('links', `${c.name}<->${peer.name}`, 'a stored state for every link');
      return { peer, bandwidth: linkSettingsOf(link).bandwidth };
    });
}

/**
 * Makes every cluster's WAN interface shape its links at their set rates: changes rates in place when the
 * HTB tree is already there, otherwise (re)builds it.
 */
export async function applyShaping(
  clusters: readonly ClusterPlan[],
  links: readonly LinkState[],
): Promise<void> {
  for (const c of clusters) {
    const peers = peerRates(c, clusters, links);
    const [q, cl, f] = await Promise.all([
      run(showQdiscArgv(c)),
      run(showClassArgv(c)),
      run(showFilterArgv(c)),
    ]);
    if (shapingMatches(q.stdout, cl.stdout, f.stdout, peers)) {
      for (const p of peers) await run(changeRateArgv(c, p), { where: 'ferry-wan' });
    } else {
      await tryRun(deleteShapingArgv(c));
      for (const argv of buildShapingArgv(c, peers)) await run(argv, { where: 'ferry-wan' });
    }
  }
}

/** Changes the rate of one link in both directions, live. */
export async function setLinkRate(link: LinkState): Promise<void> {
  const a = resolveCluster(link.a);
  const b = resolveCluster(link.b);
  const { bandwidth } = linkSettingsOf(link);
  await run(changeRateArgv(a, { peer: b, bandwidth }), { where: 'ferry-wan' });
  await run(changeRateArgv(b, { peer: a, bandwidth }), { where: 'ferry-wan' });
}
