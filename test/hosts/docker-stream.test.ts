import fc from 'fast-check';
import { demuxDockerStream, isMultiplexed } from '../../provider/hosts/docker-stream';

function frame(kind: 1 | 2, payload: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h[0] = kind;
  h.writeUInt32BE(payload.length, 4);
  return Buffer.concat([h, payload]);
}

describe('demuxDockerStream', () => {
  it('splits any sequence of frames and keeps their order (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom<1 | 2>(1, 2), fc.uint8Array({ maxLength: 30 }))),
        (frames) => {
          const buf = Buffer.concat(frames.map(([k, p]) => frame(k, Buffer.from(p))));
          const d = demuxDockerStream(buf);
          const pick = (k: 1 | 2) =>
            Buffer.concat(frames.filter(([x]) => x === k).map(([, p]) => Buffer.from(p)));
          expect(d.stdout).toEqual(pick(1));
          expect(d.stderr).toEqual(pick(2));
          expect(d.combined).toEqual(Buffer.concat(frames.map(([, p]) => Buffer.from(p))));
        },
      ),
    );
  });

  it('passes TTY output (no framing) through as stdout', () => {
    const raw = Buffer.from('hello from a tty\n');
    expect(isMultiplexed(raw)).toBe(false);
    expect(demuxDockerStream(raw)).toEqual({ stdout: raw, stderr: Buffer.alloc(0), combined: raw });
  });

  it('does not take a truncated frame for framing', () => {
    expect(isMultiplexed(frame(1, Buffer.from('abc')).subarray(0, 10))).toBe(false);
  });
});
