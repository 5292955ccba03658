/**
 * What the sampler records every 100 ms, and the "at most one live copy" invariant over it (pure). A copy is
 * live when its init process runs (runc's state says which pid, /proc says it is alive): the engine's own
 * view lags (dockerd notices a checkpoint late) and is missing while a dockerd is down, so the Docker state
 * is used only where the runc state cannot be read.
 */
import type { Violation } from './violations';

/** One container of the trial's name on one cluster, at one sample. */
export interface SampledCopy {
  /** Cluster name. */
  readonly cluster: string;
  /** Full container id. */
  readonly id: string;
  /** The Docker Engine's state (`running`, `paused`, `exited`...), absent when the engine did not answer. */
  readonly dockerState?: string;
  /** Whether its init process is alive per runc's state.json and /proc; absent when that was not readable. */
  readonly proc?: boolean;
}

/** One sample. */
export interface Sample {
  /** Milliseconds since the trial started. */
  readonly atMs: number;
  /** The primary migration's journal state at that moment, if it has one. */
  readonly journalState?: string;
  /** Clusters whose Docker Engine did not answer. */
  readonly dockerDown: readonly string[];
  /** Every known copy. */
  readonly copies: readonly SampledCopy[];
}

/** Docker states in which a container's processes may run. */
export const LIVE_DOCKER_STATES: ReadonlySet<string> = new Set(['running', 'paused', 'restarting']);

/** Whether a copy is live: its process says so, else its engine does. */
export function isLive(c: SampledCopy): boolean {
  return c.proc ?? LIVE_DOCKER_STATES.has(c.dockerState ?? '');
}

/** The live copies of a sample. */
export function liveCopies(s: Pick<Sample, 'copies'>): SampledCopy[] {
  return s.copies.filter(isLive);
}

/** The largest number of live copies in any sample (0 without samples). */
export function maxLive(samples: readonly Pick<Sample, 'copies'>[]): number {
  return samples.reduce((m, s) => Math.max(m, liveCopies(s).length), 0);
}

const describeCopy = (c: SampledCopy): string =>
  `${c.cluster}:${c.id.slice(0, 12)} ${c.dockerState ?? 'engine down'}${c.proc === true ? ' (process alive)' : ''}`;

/**
 * One violation per run of consecutive samples with more than one live copy: when it began and ended, the
 * journal state then, and the copies.
 */
export function copyViolations(samples: readonly Sample[]): Violation[] {
  const out: Violation[] = [];
  let run: Sample[] = [];
  const flush = (): void => {
    if (run.length === 0) return;
    const first = run[0]!;
    const last = run[run.length - 1]!;
    const most = run.reduce((a, b) => (liveCopies(b).length > liveCopies(a).length ? b : a));
    const states = [...new Set(run.map((s) => s.journalState ?? 'no journal'))].join(' -> ');
    out.push({
      code: 'two-copies',
      detail:
        `${liveCopies(most).length} live copies from +${(first.atMs / 1000).toFixed(1)} s to ` +
        `+${(last.atMs / 1000).toFixed(1)} s (${run.length} samples; journal ${states}): ` +
        liveCopies(most).map(describeCopy).join(', '),
    });
    run = [];
  };
  for (const s of samples) {
    if (liveCopies(s).length > 1) run.push(s);
    else flush();
  }
  flush();
  return out;
}
