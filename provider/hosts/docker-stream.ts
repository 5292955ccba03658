/**
 * The Docker Engine's multiplexed stdout/stderr framing (used by `logs` of containers without a TTY):
 * each frame is an 8-byte header `[stream, 0, 0, 0, size(uint32 BE)]` followed by `size` bytes.
 * Stream 1 is stdout, 2 is stderr (0 is stdin, only in attach streams).
 */

/** A demultiplexed log: both streams separately, and interleaved in the order they were written. */
export interface DemuxedOutput {
  /** stdout bytes. */
  readonly stdout: Buffer;
  /** stderr bytes. */
  readonly stderr: Buffer;
  /** All frames' payloads in order. */
  readonly combined: Buffer;
}

/** True when `buf` consists exactly of well-formed frames (what a non-TTY container's logs look like). */
export function isMultiplexed(buf: Buffer): boolean {
  let p = 0;
  while (p < buf.length) {
    if (buf.length - p < 8) return false;
    const kind = buf[p]!;
    if (kind > 2 || buf[p + 1] !== 0 || buf[p + 2] !== 0 || buf[p + 3] !== 0) return false;
    p += 8 + buf.readUInt32BE(p + 4);
  }
  return p === buf.length;
}

/** Splits multiplexed frames. A buffer that is not multiplexed (TTY container) is returned as stdout. */
export function demuxDockerStream(buf: Buffer): DemuxedOutput {
  if (!isMultiplexed(buf)) return { stdout: buf, stderr: Buffer.alloc(0), combined: buf };
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const all: Buffer[] = [];
  for (let p = 0; p < buf.length;) {
    const size = buf.readUInt32BE(p + 4);
    const payload = buf.subarray(p + 8, p + 8 + size);
    (buf[p] === 2 ? err : out).push(payload);
    all.push(payload);
    p += 8 + size;
  }
  return { stdout: Buffer.concat(out), stderr: Buffer.concat(err), combined: Buffer.concat(all) };
}
