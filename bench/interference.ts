/**
 * The test bed is shared: other jobs may cut the link (failure-injection tests) or set it to other values
 * while a run is going on. This reads the relay's log (pure) and says whether anything but the expected link
 * settings was in force during a run, so such runs are counted as failed (`bed-interference`), not measured.
 */
import type { LinkSpec } from './types';

/** One relay log line about the cluster-a <-> cluster-b link that matters for a run. */
const CONFIG = /^(\S+) config \d+ applied: .*?cluster-a<->cluster-b (\S+?)ms ([\d.]+)(mbit|gbit|kbit) (\w+)/;
const CUT = /^(\S+) cluster-a<->cluster-b.*(link cut|cut \w+ -> \w+)/;

const toMbit = (v: number, unit: string): number =>
  unit === 'gbit' ? v * 1000 : unit === 'kbit' ? v / 1000 : v;

/**
 * What interfered with a run between `from` and `to` (ISO 8601 or Date), or `undefined` when nothing did:
 * a cut (or cut state change) of the link, or a config applied with other RTT/bandwidth than `link`.
 */
export function interference(relayLog: string, from: Date, to: Date, link: LinkSpec): string | undefined {
  const found: string[] = [];
  for (const line of relayLog.split('\n')) {
    const ts = /^(\S+) /.exec(line)?.[1];
    if (ts === undefined) continue;
    const t = Date.parse(ts);
    if (!(t >= from.getTime() && t <= to.getTime())) continue;
    const cut = CUT.exec(line);
    if (cut) {
      found.push(`${ts} ${cut[2]}`);
      continue;
    }
    const c = CONFIG.exec(line);
    if (!c) continue;
    const rtt = Number(c[2]);
    const mbit = toMbit(Number(c[3]), c[4]!);
    if (Math.abs(rtt - link.rttMs) > 0.5 || Math.abs(mbit - link.mbit) > link.mbit * 0.01 || c[5] !== 'none')
      found.push(`${ts} link set to ${rtt} ms ${mbit} Mbit/s cut ${c[5]}`);
  }
  return found.length === 0
    ? undefined
    : `${found.length} link change(s) by another user of the bed: ${found.slice(0, 3).join('; ')}`;
}
