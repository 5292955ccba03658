/**
 * A FIFO delay line for one direction of one relayed connection (pure; the caller supplies the clock).
 * Every chunk is released `delayMs` after it arrived, never before an earlier chunk (so lowering the delay
 * never reorders data). `null` stands for end-of-stream and travels through the line like data.
 */

/** One queued chunk. */
export interface DelayedChunk {
  /** The bytes, or `null` for end-of-stream. */
  readonly data: Buffer | null;
  /** When it may leave, in the caller's clock (milliseconds). */
  readonly releaseAt: number;
}

/** Delay line; see the module comment. Times are milliseconds of a monotonic clock. */
export class DelayLine {
  private readonly items: DelayedChunk[] = [];
  private head = 0;
  private bytes = 0;
  private lastReleaseAt = -Infinity;

  /** @param delayMs - one-way delay in milliseconds (>= 0). */
  constructor(private delayMs: number) {
    this.setDelay(delayMs);
  }

  /** The current delay, milliseconds. */
  get delay(): number {
    return this.delayMs;
  }

  /** Changes the delay for chunks pushed from now on, milliseconds. */
  setDelay(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`delay must be >= 0 ms, got ${ms}`);
    this.delayMs = ms;
  }

  /** Bytes waiting in the line. */
  get queuedBytes(): number {
    return this.bytes;
  }

  /** Chunks waiting (including an end-of-stream marker). */
  get length(): number {
    return this.items.length - this.head;
  }

  /** Queues `data` (or end-of-stream) that arrived at `nowMs`. */
  push(data: Buffer | null, nowMs: number): void {
    const releaseAt = Math.max(nowMs + this.delayMs, this.lastReleaseAt);
    this.lastReleaseAt = releaseAt;
    this.items.push({ data, releaseAt });
    this.bytes += data?.length ?? 0;
  }

  /** Release time of the oldest chunk, or `undefined` when empty. */
  nextReleaseAt(): number | undefined {
    return this.items[this.head]?.releaseAt;
  }

  /** The oldest chunk if it is due at `nowMs` (with `slackMs` of tolerance), without removing it. */
  peekDue(nowMs: number, slackMs = 0): DelayedChunk | undefined {
    const c = this.items[this.head];
    return c !== undefined && c.releaseAt <= nowMs + slackMs ? c : undefined;
  }

  /** Removes and returns the oldest chunk. */
  shift(): DelayedChunk | undefined {
    const c = this.items[this.head];
    if (c === undefined) return undefined;
    this.head++;
    this.bytes -= c.data?.length ?? 0;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
    return c;
  }

  /** Drops everything queued. */
  clear(): void {
    this.items.length = 0;
    this.head = 0;
    this.bytes = 0;
  }
}

/**
 * Bytes a direction may hold before the relay stops reading from its source: generous, above the
 * bandwidth-delay product, so the delay line never limits throughput below the link rate.
 * @param rateBytesPerSecond - the link's rate.
 * @param delayMs - one-way delay.
 * @returns high-water mark in bytes, between 4 MiB and 256 MiB.
 */
export function highWaterBytes(rateBytesPerSecond: number, delayMs: number): number {
  const bdp = rateBytesPerSecond * (delayMs / 1000);
  return Math.min(256 * 1024 * 1024, Math.max(4 * 1024 * 1024, Math.ceil(3 * bdp)));
}
