/**
 * Coordinates migrations inside one provider process: Pulumi runs many `update`s at once (its
 * parallelism), and the migrations that share an inter-cluster link take turns so that no link carries
 * more than `limit` of them at a time. Migrations over different links run in parallel.
 */

/** The key of the link between two clusters, independent of direction: `a<->b` sorted. */
export function linkKey(fromCluster: string, toCluster: string): string {
  return [fromCluster, toCluster].sort().join('<->');
}

/** A held slot of a link; release it exactly once. */
export interface LinkSlot {
  /** Seconds spent waiting for the slot. */
  readonly waited: number;
  /** Gives the slot back. */
  release(): void;
}

interface LinkQueue {
  active: number;
  readonly waiting: (() => void)[];
}

/** Per-link FIFO semaphores. */
export class LinkCoordinator {
  private readonly links = new Map<string, LinkQueue>();

  /** @param limit - concurrent migrations per link (at least 1). */
  constructor(private limit: number = 1) {
    this.setLimit(limit);
  }

  /** Changes the per-link limit (for queued waiters too). */
  setLimit(limit: number): void {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`link limit must be a positive integer, got ${limit}`);
    this.limit = limit;
    for (const q of this.links.values()) this.wake(q);
  }

  /** Migrations running now over `key`. */
  active(key: string): number {
    return this.links.get(key)?.active ?? 0;
  }

  /** Migrations waiting for `key`. */
  queued(key: string): number {
    return this.links.get(key)?.waiting.length ?? 0;
  }

  /**
   * Waits for a slot of link `key`. `onWait` is told the position in the queue when it has to wait.
   */
  async acquire(key: string, onWait?: (position: number) => void): Promise<LinkSlot> {
    const started = performance.now();
    let q = this.links.get(key);
    if (q === undefined) {
      q = { active: 0, waiting: [] };
      this.links.set(key, q);
    }
    const queue = q;
    if (queue.active >= this.limit || queue.waiting.length > 0) {
      onWait?.(queue.waiting.length + 1);
      await new Promise<void>((resolve) => queue.waiting.push(resolve));
    } else {
      queue.active++;
    }
    let released = false;
    return {
      waited: (performance.now() - started) / 1000,
      release: () => {
        if (released) return;
        released = true;
        queue.active--;
        this.wake(queue);
      },
    };
  }

  /** Runs `fn` holding a slot of link `key`. */
  async withSlot<T>(key: string, fn: () => Promise<T>, onWait?: (position: number) => void): Promise<T> {
    const slot = await this.acquire(key, onWait);
    try {
      return await fn();
    } finally {
      slot.release();
    }
  }

  private wake(q: LinkQueue): void {
    while (q.active < this.limit && q.waiting.length > 0) {
      q.active++;
      q.waiting.shift()!();
    }
  }
}
