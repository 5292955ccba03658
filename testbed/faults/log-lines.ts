/**
 * The dirtier's log (workloads/dirtier.c) as data, and the Docker log stream's framing (pure). Lines:
 * `start pid=..`, `tick=N t=<realtime ns> dirtied=.. ok=1|0`, `gap_ms=..`, `verify=ok|FAIL ...`, `stop ...`.
 */

/** One `tick=` line. */
export interface TickLine {
  /** The counter. */
  readonly tick: number;
  /** When it was printed: CLOCK_REALTIME in milliseconds since the epoch. */
  readonly atMs: number;
  /** Its `ok=` flag: false once a memory verification failed. */
  readonly ok: boolean;
}

/** What a dirtier log says. */
export interface DirtierLog {
  /** Every tick line, in log order. */
  readonly ticks: readonly TickLine[];
  /** How many `start ` lines (fresh starts of the process). */
  readonly starts: number;
  /** Every `verify=` line. */
  readonly verifies: readonly string[];
  /** Every `stop ` line (the process ended). */
  readonly stops: readonly string[];
}

const TICK = /^tick=(\d+) t=(\d+)(?: .*\bok=([01]))?/;

/** Parses a dirtier log. Lines it does not know are skipped. */
export function parseDirtierLog(text: string): DirtierLog {
  const ticks: TickLine[] = [];
  const verifies: string[] = [];
  const stops: string[] = [];
  let starts = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const m = TICK.exec(line);
    if (m) {
      ticks.push({ tick: Number(m[1]), atMs: Number(BigInt(m[2]!) / 1_000_000n), ok: m[3] !== '0' });
    } else if (line.startsWith('start ')) starts++;
    else if (line.startsWith('verify=')) verifies.push(line);
    else if (line.startsWith('stop ')) stops.push(line);
  }
  return { ticks, starts, verifies, stops };
}

/** The last tick of a log, or `undefined` without any. */
export function lastTick(log: Pick<DirtierLog, 'ticks'>): TickLine | undefined {
  return log.ticks[log.ticks.length - 1];
}

/**
 * The text of a Docker log stream of a container without a TTY: frames of an 8-byte header (stream byte,
 * three zero bytes, big-endian 32-bit length) and the payload. A buffer that does not start like a frame is
 * taken as plain text (a TTY container's log). A truncated last frame is kept as far as it goes.
 */
export function demuxDockerLog(buf: Buffer): string {
  const framed = buf.length >= 8 && buf[0]! <= 2 && buf[1] === 0 && buf[2] === 0 && buf[3] === 0;
  if (!framed) return buf.toString('utf8');
  const parts: Buffer[] = [];
  let at = 0;
  while (at + 8 <= buf.length) {
    const size = buf.readUInt32BE(at + 4);
    parts.push(buf.subarray(at + 8, Math.min(buf.length, at + 8 + size)));
    at += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}
