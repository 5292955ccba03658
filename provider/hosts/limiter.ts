/**
 * A counting semaphore: at most `capacity` holders at once, the others wait in FIFO order.
 * Used to stay under sshd's `MaxSessions` (10 by default) sessions per connection.
 */

/** Gives out at most `capacity` slots at a time. */
export class Limiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  /** @param capacity the number of concurrent holders, at least 1. */
  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`capacity must be >= 1: ${capacity}`);
  }

  /** Number of slots in use now. */
  get inUse(): number {
    return this.active;
  }

  /** Number of callers waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Waits for a slot; the returned function frees it (calling it twice frees it once). */
  async acquire(): Promise<() => void> {
    if (this.active < this.capacity) {
      this.active++;
    } else {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    };
  }
}
