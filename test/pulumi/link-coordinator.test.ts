import { LinkCoordinator, linkKey } from '../../provider/pulumi/link-coordinator';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('LinkCoordinator', () => {
  it('names a link independently of direction', () => {
    expect(linkKey('cluster-b', 'cluster-a')).toBe(linkKey('cluster-a', 'cluster-b'));
  });

  it('runs migrations over one link one at a time, in arrival order', async () => {
    const links = new LinkCoordinator(1);
    const key = linkKey('cluster-a', 'cluster-b');
    const order: string[] = [];
    const gates = new Map<string, () => void>();
    const job = (name: string) =>
      links.withSlot(key, async () => {
        order.push(`start ${name}`);
        await new Promise<void>((r) => gates.set(name, r));
        order.push(`end ${name}`);
      });
    const waits: number[] = [];
    const all = Promise.all([
      job('one'),
      job('two'),
      links.withSlot(
        key,
        async () => order.push('three'),
        (p) => waits.push(p),
      ),
    ]);
    await tick();
    expect(links.active(key)).toBe(1);
    expect(links.queued(key)).toBe(2);
    expect(waits).toEqual([2]);
    gates.get('one')!();
    await tick();
    await tick();
    gates.get('two')!();
    await all;
    expect(order).toEqual(['start one', 'end one', 'start two', 'end two', 'three']);
    expect(links.active(key)).toBe(0);
  });

  it('lets migrations over different links run at once', async () => {
    const links = new LinkCoordinator(1);
    let running = 0;
    let peak = 0;
    const job = (a: string, b: string) =>
      links.withSlot(linkKey(a, b), async () => {
        running++;
        peak = Math.max(peak, running);
        await tick();
        running--;
      });
    await Promise.all([job('a', 'b'), job('a', 'c'), job('b', 'c')]);
    expect(peak).toBe(3);
  });

  it('honours a higher limit and releases a slot when the job fails', async () => {
    const links = new LinkCoordinator(2);
    const key = 'a<->b';
    await expect(links.withSlot(key, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(links.active(key)).toBe(0);
    const s1 = await links.acquire(key);
    const s2 = await links.acquire(key);
    expect(links.active(key)).toBe(2);
    s1.release();
    s1.release();
    expect(links.active(key)).toBe(1);
    s2.release();
  });

  it('refuses a limit below one', () => {
    expect(() => new LinkCoordinator(0)).toThrow(RangeError);
  });
});
