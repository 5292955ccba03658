/**
 * pagedelta on synthetic CRIU image directories: layouts that real dumps rarely show (renumbered pages
 * images, split and moved entries, lazy and parent entries, old and 4.2 encodings, unknown fields, zero
 * pages), damaged streams, and a property test. Needs gcc (not root).
 */
import fc from 'fast-check';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parsePagedeltaStat, parsePagedeltaSummary } from '../../provider/engine/precopy/pagedelta';
import {
  describeIf,
  expectNoOutput,
  expectSameDir,
  field,
  ok,
  PAGE,
  pagedeltaBinary,
  PE_LAZY,
  PE_PARENT,
  PE_PRESENT,
  run,
  type SynDir,
  writeSynDir,
} from './helpers';

jest.setTimeout(120_000);

const P = BigInt(PAGE);
const va = (page: number): bigint => 0x7f0000000000n + BigInt(page) * P;

describeIf('pagedelta on synthetic images', ['gcc'], () => {
  let bin: string;
  let work: string;
  let n = 0;
  const fresh = (): string => path.join(work, `case-${++n}`);

  beforeAll(async () => {
    bin = await pagedeltaBinary();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-pagedelta-syn-'));
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  /** diff prev cur | apply prev out; asserts out == cur; returns the diff summary and the delta. */
  async function roundTrip(prev: string | undefined, cur: string) {
    const d = await ok([bin, 'diff', prev ?? '-', cur]);
    const out = `${cur}-out`;
    const a = await ok([bin, 'apply', prev ?? '-', out], { input: d.stdout });
    expectSameDir(out, cur);
    const s = parsePagedeltaSummary(d.stderr);
    expect({ ...parsePagedeltaSummary(a.stderr, 'apply'), elapsed: 0, cpu: 0 }).toEqual({
      ...s,
      elapsed: 0,
      cpu: 0,
    });
    expect(s.bytes).toBe(d.stdout.length);
    return { summary: s, delta: d.stdout, out };
  }

  const base: SynDir = {
    pagemaps: {
      'pagemap-1.img': {
        pagesId: 1,
        entries: [
          { vaddr: va(0), pages: 16, flags: PE_PRESENT | PE_LAZY },
          { vaddr: va(100), pages: 4, flags: PE_PRESENT },
          { vaddr: va(200), pages: 8, flags: PE_LAZY }, // lazy without data
        ],
      },
    },
    version: () => 0,
    files: {
      'core-1.img': 'core v0',
      'inventory.img': 'inv',
      'mm-1.img': { data: 'mm', mode: 0o600 },
      'empty.img': '',
    },
  };

  it('first round sends every page; the rebuilt directory is byte-identical, modes included', async () => {
    const cur = fresh();
    expect(writeSynDir(cur, base)).toBe(20);
    const { summary, out } = await roundTrip(undefined, cur);
    expect(summary).toMatchObject({
      pagesTotal: 20,
      pagesSent: 20,
      pagesUnchanged: 0,
      pagesZero: 0,
      filesKept: 0,
    });
    expect(fs.statSync(path.join(out, 'mm-1.img')).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(out, 'core-1.img')).mode & 0o777).toBe(0o644);
  });

  it('refuses a stream whose pages records claim more pages in all than the budget, naming the record', async () => {
    const cur = fresh();
    writeSynDir(cur, {
      pagemaps: {
        'pagemap-1.img': { pagesId: 1, entries: [{ vaddr: va(0), pages: 10, flags: PE_PRESENT }] },
        'pagemap-2.img': { pagesId: 2, entries: [{ vaddr: va(50), pages: 10, flags: PE_PRESENT }] },
      },
      version: (a) => (a === va(3) ? -1 : 0),
    });
    const d = await ok([bin, 'diff', '-', cur]);
    const apply = (maxPages: number, out: string) =>
      run([bin, 'apply', '-', out], {
        input: d.stdout,
        env: { PAGEDELTA_MAX_BYTES: String(maxPages * PAGE) },
      });
    const refused = await apply(15, `${cur}-refused`);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/pages-2\.img claims 10 pages .*accepts 5 more/);
    expect(fs.readdirSync(work).filter((f) => f.startsWith(path.basename(cur)))).toEqual([
      path.basename(cur),
    ]);
    expect((await apply(20, `${cur}-out`)).code).toBe(0);
    expectSameDir(`${cur}-out`, cur);
    const bad = await run([bin, 'apply', '-', `${cur}-x`], {
      input: d.stdout,
      env: { PAGEDELTA_MAX_BYTES: '-1' },
    });
    expect(bad.stderr).toMatch(/PAGEDELTA_MAX_BYTES: not a byte count/);
  });

  it('sends exactly the changed pages; identical files are kept, changed ones sent', async () => {
    const prev = fresh();
    const cur = fresh();
    writeSynDir(prev, base);
    const changed = new Set([va(3), va(4), va(101)]);
    writeSynDir(cur, {
      ...base,
      version: (a) => (changed.has(a) ? 1 : 0),
      files: { ...base.files, 'core-1.img': 'core v1' },
    });
    const { summary, delta } = await roundTrip(prev, cur);
    expect(summary).toMatchObject({ pagesTotal: 20, pagesSent: 3, pagesUnchanged: 17, filesKept: 4 });
    expect(delta.length).toBeLessThan(4 * PAGE);
  });

  it('matches pages by address across renumbered pages images, split, moved and new entries', async () => {
    const prev = fresh();
    const cur = fresh();
    writeSynDir(prev, {
      pagemaps: {
        'pagemap-1.img': { pagesId: 1, entries: [{ vaddr: va(0), pages: 8, flags: PE_PRESENT }] },
        'pagemap-2.img': { pagesId: 2, entries: [{ vaddr: va(50), pages: 4, flags: PE_PRESENT }] },
        'pagemap-9.img': { pagesId: 3, entries: [{ vaddr: va(0), pages: 2, flags: PE_PRESENT }] }, // process gone
      },
      version: () => 0,
    });
    writeSynDir(cur, {
      pagemaps: {
        // ids swapped, entry split in two with a hole, a new entry before it
        'pagemap-1.img': {
          pagesId: 2,
          entries: [
            { vaddr: va(-4), pages: 2, flags: PE_PRESENT },
            { vaddr: va(0), pages: 3, flags: PE_PRESENT },
            { vaddr: va(5), pages: 3, flags: PE_PRESENT },
          ],
        },
        'pagemap-2.img': { pagesId: 1, entries: [{ vaddr: va(50), pages: 6, flags: PE_PRESENT }] }, // grew
        'pagemap-3.img': { pagesId: 7, entries: [{ vaddr: va(0), pages: 2, flags: PE_PRESENT }] }, // new process
      },
      version: () => 0,
    });
    const { summary } = await roundTrip(prev, cur);
    // unchanged: pagemap-1 pages 0-2 and 5-7 (6), pagemap-2 pages 50-53 (4); new: 2 + 2 + 2
    expect(summary).toMatchObject({ pagesTotal: 16, pagesUnchanged: 10, pagesSent: 6 });
  });

  it('reads old images (no flags, in_parent), 4.2 nr_pages, and skips unknown fields', async () => {
    const prev = fresh();
    const cur = fresh();
    const entries = [
      { vaddr: va(0), pages: 3 }, // pre-flags image: present
      { vaddr: va(10), pages: 2, inParent: true }, // old "in parent": no data
      { vaddr: va(20), pages: 2, inParent: false, flags: PE_PRESENT, nr64: true },
      { vaddr: va(30), pages: 1, flags: PE_PARENT },
      {
        vaddr: va(40),
        pages: 2,
        flags: PE_PRESENT,
        extra: Buffer.concat([field(9, 77), field(10, Buffer.from('x'))]),
      },
    ];
    writeSynDir(prev, { pagemaps: { 'pagemap-1.img': { pagesId: 1, entries } }, version: () => 0 });
    writeSynDir(cur, {
      pagemaps: { 'pagemap-1.img': { pagesId: 1, entries } },
      version: (a) => (a === va(41) ? 2 : 0),
    });
    const { summary } = await roundTrip(prev, cur);
    expect(summary).toMatchObject({ pagesTotal: 7, pagesSent: 1, pagesUnchanged: 6 });
    const stat = parsePagedeltaStat((await ok([bin, 'stat', cur])).stdout.toString());
    expect(stat.pagemaps[0]).toMatchObject({
      pagemap: 'pagemap-1.img',
      pagesImage: 'pages-1.img',
      entries: 5,
      pages: 7,
      parent: 3,
    });
    expect(stat.bytes).toBe(7 * PAGE);
  });

  it('sends pages that became zero as counts and rebuilds them', async () => {
    const prev = fresh();
    const cur = fresh();
    writeSynDir(prev, base);
    writeSynDir(cur, { ...base, version: (a) => (a >= va(2) && a < va(12) ? -1 : 0) });
    const { summary, delta } = await roundTrip(prev, cur);
    expect(summary).toMatchObject({ pagesSent: 10, pagesZero: 10, pagesUnchanged: 10 });
    expect(delta.length).toBeLessThan(PAGE);
  });

  it('handles empty pagemaps and pagemaps without pages', async () => {
    const cur = fresh();
    writeSynDir(cur, {
      pagemaps: {
        'pagemap-shmem-5.img': { pagesId: undefined, entries: [] }, // magic only
        'pagemap-2.img': { pagesId: 4, entries: [{ vaddr: va(0), pages: 3, flags: PE_LAZY }] }, // empty pages-4.img
      },
      version: () => 0,
    });
    const { summary } = await roundTrip(undefined, cur);
    expect(summary.pagesTotal).toBe(0);
    expect(fs.statSync(path.join(cur, 'pages-4.img')).size).toBe(0);
  });

  it('refuses a PREV_DIR that is not the one the delta was made against', async () => {
    const prev = fresh();
    const other = fresh();
    const cur = fresh();
    writeSynDir(prev, base);
    writeSynDir(other, { ...base, version: (a) => (a === va(7) ? 5 : 0) });
    writeSynDir(cur, { ...base, version: (a) => (a === va(1) ? 1 : 0) });
    const d = await ok([bin, 'diff', prev, cur]);
    const out = path.join(work, 'wrong-prev-out');
    const r = await run([bin, 'apply', other, out], { input: d.stdout });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/pagedelta: error: .*PREV_DIR does not match the delta/);
    expectNoOutput(out);
    const r2 = await run([bin, 'apply', '-', out], { input: d.stdout });
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/no PREV_DIR/);
    expectNoOutput(out);
  });

  it('never overwrites an existing OUT_DIR', async () => {
    const cur = fresh();
    writeSynDir(cur, base);
    const d = await ok([bin, 'diff', '-', cur]);
    const out = fresh();
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'keep-me'), 'x');
    const r = await run([bin, 'apply', '-', out], { input: d.stdout });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/already exists/);
    expect(fs.readdirSync(out)).toEqual(['keep-me']);
  });

  it.each([
    ['a subdirectory', (dir: string) => fs.mkdirSync(path.join(dir, 'sub')), /not a regular file/],
    ['a symlink', (dir: string) => fs.symlinkSync('/tmp', path.join(dir, 'parent')), /not a regular file/],
    [
      'a short pages image',
      (dir: string) => fs.truncateSync(path.join(dir, 'pages-1.img'), PAGE),
      /lists 20 pages/,
    ],
    ['a missing pages image', (dir: string) => fs.rmSync(path.join(dir, 'pages-1.img')), /is missing/],
    [
      'a garbled pagemap',
      (dir: string) => fs.writeFileSync(path.join(dir, 'pagemap-1.img'), 'garbage!'),
      /not a pagemap image/,
    ],
    [
      'a truncated pagemap',
      (dir: string) => {
        const p = path.join(dir, 'pagemap-1.img');
        fs.truncateSync(p, fs.statSync(p).size - 2);
      },
      /runs past the end/,
    ],
  ])('diff refuses a directory with %s', async (_what, damage, message) => {
    const cur = fresh();
    writeSynDir(cur, base);
    damage(cur);
    const r = await run([bin, 'diff', '-', cur]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
  });

  describe('damaged streams', () => {
    let prev: string;
    let delta: Buffer;
    beforeAll(async () => {
      prev = fresh();
      const cur = fresh();
      writeSynDir(prev, base);
      writeSynDir(cur, {
        ...base,
        version: (a) => (a === va(5) || a === va(102) ? 1 : a === va(9) ? -1 : 0),
      });
      delta = (await ok([bin, 'diff', prev, cur])).stdout;
    });

    /** Applies `bytes`; expects failure with a clear message and nothing left behind. */
    async function expectRefused(bytes: Buffer, message: RegExp): Promise<void> {
      const out = path.join(work, 'damaged-out');
      const r = await run([bin, 'apply', prev, out], { input: bytes });
      if (r.code !== 1 || !message.test(r.stderr)) {
        throw new Error(`apply exited ${r.code} with: ${r.stderr} (expected ${message})`);
      }
      expect(r.stderr).toMatch(/^pagedelta: error: /m);
      expectNoOutput(out);
    }

    it.each([0, 1, 7, 8, 19, 20, 21, 100, 1000, 5000, -9, -8, -1])(
      'truncated after %d bytes (negative: from the end)',
      async (at) => {
        const cut = delta.subarray(0, at < 0 ? delta.length + at : at);
        await expectRefused(cut, /truncated stream|checksum mismatch/);
      },
    );

    it('truncated at 200 evenly spread places', async () => {
      for (let i = 0; i < 200; i++) {
        await expectRefused(delta.subarray(0, Math.floor((delta.length * i) / 200)), /error/);
      }
    });

    it('with one flipped bit at 300 places (header, names, runs, data, trailer)', async () => {
      const places = [...Array(300).keys()].map((i) =>
        i < 100 ? i : Math.floor(((i - 100) * delta.length) / 200),
      );
      for (const [i, at] of places.entries()) {
        const b = Buffer.from(delta);
        b[at] = b[at]! ^ (1 << (i % 8));
        await expectRefused(b, /error/);
      }
    });

    it('with a flipped page byte: reported as damage in transit', async () => {
      const b = Buffer.from(delta);
      b[delta.length - 2 * PAGE] = b[delta.length - 2 * PAGE]! ^ 0x40;
      await expectRefused(b, /checksum mismatch: the stream was damaged in transit/);
    });

    it.each([
      ['bad magic', (b: Buffer) => b.write('NOTADELT', 0), /not a pagedelta stream/],
      ['future version', (b: Buffer) => b.writeUInt32LE(2, 8), /unsupported stream version 2/],
      ['trailing data', (b: Buffer) => Buffer.concat([b, Buffer.from('x')]), /data after the end record/],
      ['empty input', () => Buffer.alloc(0), /truncated stream/],
    ])('%s', async (_what, edit, message) => {
      const b = Buffer.from(delta);
      const edited = edit(b);
      await expectRefused(Buffer.isBuffer(edited) ? edited : b, message);
    });
  });

  it('property: random layouts and changes round-trip; sent = new or changed pages', async () => {
    const entryArb = fc.record({
      start: fc.integer({ min: 0, max: 60 }),
      pages: fc.integer({ min: 1, max: 6 }),
      flags: fc.constantFrom(PE_PRESENT, PE_PRESENT | PE_LAZY, PE_LAZY),
    });
    const layoutArb = fc.array(entryArb, { maxLength: 5 }).map((es) => {
      // non-overlapping, ascending entries
      const out: { vaddr: bigint; pages: number; flags: number }[] = [];
      let next = 0;
      for (const e of [...es].sort((a, b) => a.start - b.start)) {
        const start = Math.max(e.start, next);
        out.push({ vaddr: va(start), pages: e.pages, flags: e.flags });
        next = start + e.pages;
      }
      return out;
    });
    const verArb = fc.func(fc.constantFrom(-1, 0, 0, 0, 1, 2));
    await fc.assert(
      fc.asyncProperty(
        layoutArb,
        layoutArb,
        verArb,
        verArb,
        fc.integer({ min: 1, max: 9 }),
        async (lp, lc, vp, vc, id) => {
          const prev = fresh();
          const cur = fresh();
          const vPrev = (a: bigint): number => vp(Number((a - va(0)) / P));
          const vCur = (a: bigint): number => vc(Number((a - va(0)) / P));
          writeSynDir(prev, { pagemaps: { 'pagemap-1.img': { pagesId: 1, entries: lp } }, version: vPrev });
          writeSynDir(cur, { pagemaps: { 'pagemap-1.img': { pagesId: id, entries: lc } }, version: vCur });
          const inPrev = new Set(
            lp
              .filter((e) => e.flags & PE_PRESENT)
              .flatMap((e) => [...Array(e.pages).keys()].map((i) => e.vaddr + BigInt(i) * P)),
          );
          let expectSent = 0;
          let total = 0;
          for (const e of lc.filter((x) => x.flags & PE_PRESENT)) {
            for (let i = 0; i < e.pages; i++) {
              const a = e.vaddr + BigInt(i) * P;
              total++;
              const same = inPrev.has(a) && vPrev(a) === vCur(a); // versions differ -> contents differ
              if (!same) expectSent++;
            }
          }
          const { summary } = await roundTrip(prev, cur);
          expect(summary.pagesTotal).toBe(total);
          expect(summary.pagesSent).toBe(expectSent);
        },
      ),
      { numRuns: 60 },
    );
  });
});
