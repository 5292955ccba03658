import { Limiter } from '../../provider/hosts/limiter';

describe('Limiter', () => {
  it('never lets more than capacity run, and serves waiters in order', async () => {
    const l = new Limiter(2);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 7 }, async (_, i) => {
        const release = await l.acquire();
        order.push(i);
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        release();
        release(); // a second call must not free a second slot
      }),
    );
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(l.inUse).toBe(0);
    expect(l.queued).toBe(0);
  });

  it.each([0, -1, 1.5])('rejects capacity %p', (c) => {
    expect(() => new Limiter(c)).toThrow(RangeError);
  });
});
