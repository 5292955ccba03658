/** Text rendering of {@link TestbedStatus} for `ferry testbed status` (pure). */
import { bytesPerSecond, formatBandwidth, formatDuration } from '../provider/units';
import { relativeError } from './measure-stats';
import { linkSettingsOf } from './state';
import type { TestbedStatus } from './status';

/** Pads cells to column widths. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const pct = (measured: number, set: number): string => {
  const e = relativeError(measured, set);
  if (!Number.isFinite(e)) return '';
  return ` (${measured >= set ? '+' : '-'}${(e * 100).toFixed(0)}%)`;
};

/** The status as a human-readable report: daemons per cluster, then one row per link. */
export function formatStatus(s: TestbedStatus): string {
  if (!s.up) return `no test bed is up in ${s.stateDir} (run: ferry testbed up)`;
  const yes = (b: boolean): string => (b ? 'up' : 'DOWN');
  const lines = [
    `test bed in ${s.stateDir}: ${s.healthy ? 'healthy' : 'NOT HEALTHY'}; relay ${s.relay.alive ? `up (pid ${s.relay.pid ?? '?'})` : 'DOWN'}`,
    '',
    table([
      ['cluster', 'host', 'address', 'netns', 'containerd', 'dockerd', 'sshd'],
      ...s.clusters.map((c) => [
        c.cluster,
        c.host,
        c.address,
        yes(c.netns),
        yes(c.containerd),
        yes(c.dockerd),
        yes(c.sshd),
      ]),
    ]),
    '',
    table([
      ['link', 'rtt set', 'rtt measured', 'bandwidth set', 'a->b measured', 'b->a measured', 'note'],
      ...s.links.map(({ link, measured, note }) => {
        const set = linkSettingsOf(link);
        return [
          link.id,
          formatDuration(set.rtt),
          measured ? `${formatDuration(measured.rtt)}${pct(measured.rtt, set.rtt)}` : '-',
          formatBandwidth(set.bandwidth),
          measured
            ? `${formatBandwidth(bytesPerSecond(measured.throughputAtoB))}${pct(measured.throughputAtoB, set.bandwidth)}`
            : '-',
          measured
            ? `${formatBandwidth(bytesPerSecond(measured.throughputBtoA))}${pct(measured.throughputBtoA, set.bandwidth)}`
            : '-',
          note ?? (link.cut !== 'none' ? `cut (${link.cut})` : ''),
        ];
      }),
    ]),
  ];
  return lines.join('\n');
}
