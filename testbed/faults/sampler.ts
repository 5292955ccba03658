/**
 * The copy sampler (thin I/O): every 100 ms it asks each engine for the containers of the trial's name and
 * reads runc's state of every copy it knows (so a copy still runs in its count while its dockerd is down),
 * and every 500 ms the last log lines of each running copy (the highest tick each copy printed, for the
 * counter-continuity check across copies).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { containerLog, containersNamed } from './docker-api';
import { lastTick, parseDirtierLog } from './log-lines';
import type { Sample, SampledCopy } from './samples';
import { parseWith, runcStateSchema } from './schemas';

/** A host the sampler watches. */
export interface SampledHost {
  /** Cluster name. */
  readonly cluster: string;
  /** Its Docker Engine's unix socket. */
  readonly socket: string;
  /** Its runc state root (`<exec-root>/runtime-runc/moby`). */
  readonly runtimeRoot: string;
}

/** The highest tick a copy was seen to print. */
export interface TickSeen {
  /** The tick. */
  readonly tick: number;
  /** When it was printed (realtime ms). */
  readonly atMs: number;
}

/** Whether container `id`'s init process is alive per runc's state and /proc; undefined when unreadable. */
export function procAlive(runtimeRoot: string, id: string): boolean | undefined {
  if (!fs.existsSync(runtimeRoot)) return undefined;
  let text: string;
  try {
    text = fs.readFileSync(path.join(runtimeRoot, id, 'state.json'), 'utf8');
  } catch {
    return false; // runc deleted its state: the container does not run
  }
  const st = parseWith(runcStateSchema, text);
  if (st === undefined) return undefined;
  try {
    const stat = fs.readFileSync(`/proc/${st.init_process_pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] !== 'Z' && fields[0] !== 'X' && Number(fields[19]) === st.init_process_start;
  } catch {
    return false;
  }
}

/** One sample of every host, for containers named `name` and the ids in `known` (per cluster). */
export async function takeSample(
  hosts: readonly SampledHost[],
  name: string,
  known: ReadonlyMap<string, ReadonlySet<string>>,
  atMs: number,
  journalState?: string,
): Promise<Sample> {
  const perHost = await Promise.all(
    hosts.map(async (h) => {
      let listed: { id: string; state: string }[] | undefined;
      try {
        listed = await containersNamed(h.socket, name, 1000);
      } catch {
        listed = undefined;
      }
      const ids = new Set([...(listed ?? []).map((c) => c.id), ...(known.get(h.cluster) ?? [])]);
      const copies: SampledCopy[] = [...ids].map((id) => {
        const dockerState = listed?.find((c) => c.id === id)?.state;
        const proc = procAlive(h.runtimeRoot, id);
        return {
          cluster: h.cluster,
          id,
          ...(dockerState !== undefined
            ? { dockerState }
            : listed !== undefined
              ? { dockerState: 'absent' }
              : {}),
          ...(proc !== undefined ? { proc } : {}),
        };
      });
      return { down: listed === undefined ? [h.cluster] : [], copies };
    }),
  );
  return {
    atMs,
    ...(journalState !== undefined ? { journalState } : {}),
    dockerDown: perHost.flatMap((p) => p.down),
    copies: perHost.flatMap((p) => p.copies),
  };
}

/** A running sampler. */
export interface Sampler {
  /** Every sample so far. */
  samples(): readonly Sample[];
  /** The highest tick seen per copy id. */
  ticksSeen(): ReadonlyMap<string, TickSeen>;
  /** Watches copy `id` on `cluster` even when its engine does not list it. */
  know(cluster: string, id: string): void;
  /** Every copy id seen or made known so far, per cluster. */
  known(): ReadonlyMap<string, ReadonlySet<string>>;
  /** Stops sampling (resolves after the sample in progress). */
  stop(): Promise<void>;
}

/** Options of {@link startSampler}. */
export interface SamplerOptions {
  /** Hosts to watch. */
  readonly hosts: readonly SampledHost[];
  /** The trial's container name. */
  readonly name: string;
  /** `Date.now()` at the start of the trial (samples are timed from it). */
  readonly t0: number;
  /** The primary journal's state now, recorded with each sample. */
  readonly journalState: () => string | undefined;
  /** Sampling period, ms (default 100). */
  readonly intervalMs?: number;
  /** Read logs every N samples (default 5). */
  readonly logEvery?: number;
}

/** Starts sampling. */
export function startSampler(o: SamplerOptions): Sampler {
  const samples: Sample[] = [];
  const seen = new Map<string, TickSeen>();
  const known = new Map<string, Set<string>>(o.hosts.map((h) => [h.cluster, new Set<string>()]));
  let stopped = false;
  const readTicks = async (s: Sample): Promise<void> => {
    await Promise.all(
      s.copies
        .filter((c) => c.dockerState === 'running')
        .map(async (c) => {
          const h = o.hosts.find((x) => x.cluster === c.cluster)!;
          try {
            const t = lastTick(parseDirtierLog(await containerLog(h.socket, c.id, 4, 1000)));
            const prev = seen.get(c.id);
            if (t !== undefined && (prev === undefined || t.tick > prev.tick))
              seen.set(c.id, { tick: t.tick, atMs: t.atMs });
          } catch {
            // the engine went away meanwhile: the next round reads again
          }
        }),
    );
  };
  const loop = (async () => {
    for (let n = 0; !stopped; n++) {
      const began = Date.now();
      const s = await takeSample(o.hosts, o.name, known, began - o.t0, o.journalState());
      samples.push(s);
      for (const c of s.copies) known.get(c.cluster)?.add(c.id);
      if (n % (o.logEvery ?? 5) === 0) await readTicks(s);
      const wait = (o.intervalMs ?? 100) - (Date.now() - began);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  })();
  return {
    samples: () => samples,
    ticksSeen: () => seen,
    know(cluster, id) {
      known.get(cluster)?.add(id);
    },
    known: () => known,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
