/**
 * The dirtier test workload in the bench: its container spec for a cell, and the downtime it saw, read from
 * its own ticks in the source log and the target log.
 */
import type { ContainerSpec } from '../../provider/hosts/container-runtime';
import { counterBreaks, longestGapMs, parseDirtierLog, type Tick } from '../../test/support/dirtier-log';
import { dirtyMiBs } from '../matrix';
import type { DirtierWorkload, LinkSpec } from '../types';

/** The workload image loaded into every test bed engine. */
export const DIRTIER_IMAGE = 'ferry/dirtier:latest';

/** The dirtier container for a workload on a link (no network, label `ferry.bench`). */
export function dirtierSpec(name: string, w: DirtierWorkload, link: LinkSpec): ContainerSpec {
  return {
    name,
    image: DIRTIER_IMAGE,
    cmd: [
      '/bin/dirtier',
      '--mib',
      String(w.mib),
      '--dirty-mib-s',
      String(dirtyMiBs(w, link)),
      '--tick-ms',
      String(w.tickMs),
      '--verify-every',
      '0',
    ],
    labels: { 'ferry.bench': name },
    hostConfig: { networkMode: 'none' },
  };
}

/** What the workload saw across a move. */
export interface WorkloadView {
  /** Longest gap between consecutive ticks over source + target, seconds. */
  readonly downtimeS: number;
  /** The counter went on by exactly one from the last source tick to the first target tick. */
  readonly counterContinuous: boolean;
  /** Every `verify=` line passed (true when there was none). */
  readonly verifyOk: boolean;
  /** Ticks seen on the target (0: the target never ticked). */
  readonly targetTicks: number;
  /** Ticks seen in the source log (0: the source log was not captured, so no downtime can be measured). */
  readonly sourceTicks: number;
}

/**
 * Merges the source's and the target's ticks (by counter; a tick printed by both counts once, the source's
 * first) and measures the longest wall-clock gap. Both hosts share one machine clock (CLOCK_REALTIME).
 */
export function mergeTicks(source: readonly Tick[], target: readonly Tick[]): Tick[] {
  const seen = new Set<number>();
  const out: Tick[] = [];
  for (const t of [...source, ...target]) {
    if (seen.has(t.tick)) continue;
    seen.add(t.tick);
    out.push(t);
  }
  return out.sort((a, b) => a.tick - b.tick);
}

/** The workload's own view of the move from its two logs. */
export function workloadView(sourceLog: string, targetLog: string): WorkloadView {
  const s = parseDirtierLog(sourceLog);
  const t = parseDirtierLog(targetLog);
  const merged = mergeTicks(s.ticks, t.ticks);
  return {
    downtimeS: longestGapMs(merged) / 1000,
    counterContinuous: counterBreaks(merged).length === 0,
    verifyOk: [...s.verifies, ...t.verifies].every((v) => v),
    targetTicks: t.ticks.length,
    sourceTicks: s.ticks.length,
  };
}
