/**
 * Keeps the last N bytes of a byte stream (for stderr tails: the end of an error output is what matters).
 */

/** A bounded buffer that keeps only the most recent `limit` bytes pushed into it. */
export class ByteTail {
  private chunks: Buffer[] = [];
  private size = 0;
  private dropped = false;

  /** @param limit how many of the most recent bytes to keep. */
  constructor(private readonly limit: number) {}

  /** Appends a chunk, dropping the oldest bytes beyond the limit. */
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.limit && this.chunks.length > 0) {
      const first = this.chunks[0]!;
      const excess = this.size - this.limit;
      this.dropped = true;
      if (first.length <= excess) {
        this.chunks.shift();
        this.size -= first.length;
      } else {
        this.chunks[0] = first.subarray(excess);
        this.size -= excess;
      }
    }
  }

  /** True when bytes were dropped. */
  get truncated(): boolean {
    return this.dropped;
  }

  /** The kept bytes. */
  bytes(): Buffer {
    return Buffer.concat(this.chunks, this.size);
  }

  /** The kept bytes decoded as UTF-8 (a cut multi-byte character at the start becomes U+FFFD). */
  text(): string {
    return this.bytes().toString('utf8');
  }
}
