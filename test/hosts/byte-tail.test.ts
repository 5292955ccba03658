import fc from 'fast-check';
import { ByteTail } from '../../provider/hosts/byte-tail';

describe('ByteTail', () => {
  it('keeps exactly the last N bytes (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 40 })),
        fc.integer({ min: 1, max: 64 }),
        (chunks, limit) => {
          const t = new ByteTail(limit);
          for (const c of chunks) t.push(Buffer.from(c));
          const all = Buffer.concat(chunks.map((c) => Buffer.from(c)));
          expect(t.bytes()).toEqual(all.subarray(Math.max(0, all.length - limit)));
          expect(t.truncated).toBe(all.length > limit);
        },
      ),
    );
  });

  it('decodes as UTF-8', () => {
    const t = new ByteTail(100);
    t.push(Buffer.from('héllo\n'));
    expect(t.text()).toBe('héllo\n');
  });
});
