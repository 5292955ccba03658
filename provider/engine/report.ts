/**
 * The `MigrationReport`: the plan (predicted) beside what happened (measured), and its Markdown rendering.
 * Plain JSON data; durations in seconds, sizes in bytes, rates in bytes per second.
 */
import type { NamedObservation } from './verify/verify';
import type { MigrationPlan } from '../model';
import { formatBytes, formatDuration, type Bytes, type BytesPerSecond, type Duration } from '../units';
import type { DataPathKind } from './data-path/data-path';
import type { RoundRecord } from './precopy/precopy';
import type { ImageTransferResult } from './switchover/image-transfer';
import type { RestoreMode } from './types';

/** Where the switchover's time went on the target, seconds. */
export interface RestoreBreakdown {
  /** Sending the final delta (and root file-system changes in parallel). */
  readonly finalTransfer: Duration;
  /** Checkpoint of the final round (the container frozen and stopped). */
  readonly finalCheckpoint: Duration;
  /** Moving the images into the engine's checkpoint dir and writing the nonce. */
  readonly place: Duration;
  /** The engine's `start --checkpoint`. */
  readonly engineStart: Duration;
  /** Carrying the root file-system changes (overlaps the final transfer). */
  readonly rootfs: Duration;
}

/** What a migration did. */
export interface MigrationReport {
  /** Migration id. */
  readonly migrationId: string;
  /** Container name. */
  readonly container: string;
  /** `cluster/host` it came from. */
  readonly from: string;
  /** `cluster/host` it runs on now. */
  readonly to: string;
  /** Id of the container on the target. */
  readonly targetContainerId: string;
  /** The plan made after the measurements (absent when a fixed stop rule drove pre-copy). */
  readonly plan: MigrationPlan | undefined;
  /** The strategy used. */
  readonly strategy: 'pre-copy' | 'stop-and-copy';
  /** Measured link RTT, seconds. */
  readonly rtt: Duration;
  /** Bandwidth estimate at the end, bytes/s. */
  readonly bandwidth: BytesPerSecond;
  /** Memory in the images, bytes. */
  readonly memory: Bytes;
  /** Measured dirty rate, bytes/s (0 when not measured). */
  readonly dirtyRate: BytesPerSecond;
  /** Freezes of the measurement checkpoints, seconds. */
  readonly measureFreezes: readonly Duration[];
  /** Every round sent, the final one last. */
  readonly rounds: readonly RoundRecord[];
  /** Why it stopped iterating. */
  readonly stopReason: string;
  /** Measured downtime: from the final freeze to the target container running, seconds. */
  readonly downtime: Duration;
  /** The workload's own view of its pause, seconds: the first workload check that reported one. */
  readonly workloadGap: Duration | undefined;
  /** What each workload check (`MigrationRequest.workloadChecks`) observed, in order. */
  readonly workload?: readonly NamedObservation[];
  /** Wall time of the whole migration, seconds. */
  readonly totalTime: Duration;
  /** Wall time from the plan to the end, seconds: what the plan's total time predicts. */
  readonly timeFromPlan: Duration;
  /** Bytes sent between the hosts (rounds and probes). */
  readonly bytesOnWire: Bytes;
  /** Data path used and why. */
  readonly dataPath: { readonly kind: DataPathKind; readonly reason: string };
  /** How the target engine was given the images. */
  readonly restoreMode: RestoreMode;
  /** Restore timing. */
  readonly restore: RestoreBreakdown;
  /** Root file-system paths copied and deleted. */
  readonly rootfs: { readonly copied: readonly string[]; readonly deleted: readonly string[] };
  /** Whether the image had to be sent to the target. */
  readonly imageSent: boolean;
  /** How the image went, when the target lacked it. */
  readonly image?: ImageTransferResult;
  /** Cleanup problems (the migration itself succeeded). */
  readonly notes: readonly string[];
}

const ms = (d: Duration): string => formatDuration(d);
const mb = (b: Bytes): string => formatBytes(b);

/** The report as Markdown: headline, predicted vs measured table, rounds table, restore breakdown. */
export function reportToMarkdown(r: MigrationReport): string {
  const p = r.plan;
  const precopyRounds = r.rounds.filter((x) => x.kind === 'precopy').length;
  // an imposed strategy is compared with the plan's prediction for that strategy
  const alt =
    p !== undefined && r.strategy !== p.strategy
      ? p.alternatives.find((a) => a.strategy === r.strategy)
      : undefined;
  const pred =
    alt ??
    (p === undefined
      ? undefined
      : {
          downtime: p.downtime,
          totalTime: p.totalTime,
          bytesOnWire: p.bytesOnWire,
          rounds: p.rounds.length,
        });
  const predicted = <T>(f: (x: NonNullable<typeof pred>) => T, show: (v: T) => string): string =>
    pred === undefined ? 'not planned' : show(f(pred));
  const lines = [
    `# Migration ${r.migrationId}: ${r.container} ${r.from} -> ${r.to}`,
    '',
    `Strategy **${r.strategy}** (planned: ${p?.strategy ?? 'nothing, a fixed stop rule decided'}), ${precopyRounds} pre-copy round(s), data path **${r.dataPath.kind}** (${r.dataPath.reason}).`,
    '',
    `| | predicted${alt ? ` (${alt.strategy}, imposed)` : ''} | measured |`,
    '|---|---|---|',
    `| downtime | ${predicted((x) => x.downtime, ms)} | ${ms(r.downtime)}${r.workloadGap !== undefined ? ` (workload saw ${ms(r.workloadGap)})` : ''} |`,
    `| total time (from the plan) | ${predicted((x) => x.totalTime, ms)} | ${ms(r.timeFromPlan)} (${ms(r.totalTime)} with preflight and measurement) |`,
    `| bytes on the wire | ${predicted((x) => x.bytesOnWire, mb)} | ${mb(r.bytesOnWire)} |`,
    `| pre-copy rounds | ${predicted((x) => x.rounds, String)} | ${precopyRounds} |`,
    '',
    p === undefined
      ? `Nothing measured before the rounds (a fixed stop rule); the last round sent at ${((r.bandwidth * 8) / 1e6).toFixed(1)} Mbit/s. Memory ${mb(r.memory)}.`
      : `Link: RTT ${ms(r.rtt)}, bandwidth ${((r.bandwidth * 8) / 1e6).toFixed(1)} Mbit/s. Memory ${mb(r.memory)}, dirty rate ${mb(r.dirtyRate as number as Bytes)}/s.`,
    `Stopped iterating: ${r.stopReason}`,
    '',
    '| round | kind | pages sent / total | bytes | freeze | delta | transfer | round time |',
    '|---|---|---|---|---|---|---|---|',
    ...r.rounds.map(
      (x) =>
        `| ${x.index} | ${x.kind} | ${x.pagesSent} / ${x.pagesTotal} | ${mb(x.bytes)} | ${ms(x.freeze)} | ${ms(x.deltaTime)} | ${ms(x.transferTime)} | ${ms(x.duration)} |`,
    ),
    '',
    `Switchover: final checkpoint ${ms(r.restore.finalCheckpoint)}, final transfer ${ms(r.restore.finalTransfer)} (root fs ${ms(r.restore.rootfs)} in parallel), placing images ${ms(r.restore.place)}, engine start --checkpoint ${ms(r.restore.engineStart)} (${r.restoreMode}).`,
    `Root fs: copied ${r.rootfs.copied.length ? r.rootfs.copied.join(', ') : 'nothing'}; deleted ${r.rootfs.deleted.length ? r.rootfs.deleted.join(', ') : 'nothing'}. Image sent: ${r.image !== undefined ? `${mb(r.image.bytes)} over the ${r.image.path} path (save ${ms(r.image.save)}, send ${ms(r.image.send)}, load ${ms(r.image.load)}, beside the rounds)` : r.imageSent ? 'yes' : 'no (present on the target)'}.`,
  ];
  if (r.measureFreezes.length > 0)
    lines.push(`Measurement checkpoints froze the container ${r.measureFreezes.map(ms).join(', ')}.`);
  if (r.notes.length > 0) lines.push('', 'Notes:', ...r.notes.map((n) => `- ${n}`));
  return `${lines.join('\n')}\n`;
}
