/**
 * `pagedelta diff-tracked` on synthetic CRIU images: the dumps CRIU's iterative pre-dump writes where the
 * kernel tracks dirty pages (entries flagged PE_PARENT, a `parent` link), which this machine cannot
 * produce (no soft-dirty). `diff-tracked CUR | apply PREV OUT` must give the flattened image: PREV's pages
 * for the PE_PARENT entries, CUR's own pages for the others, no PE_PARENT left. Needs gcc (not root).
 */
import fc from 'fast-check';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parsePagedeltaStat, parsePagedeltaSummary } from '../../provider/engine/precopy/pagedelta';
import { flattenImagesArgv } from '../../provider/engine/precopy/rounds';
import {
  describeIf,
  expectNoOutput,
  expectSameDir,
  field,
  ok,
  PAGE,
  pagedeltaBinary,
  pagemapImage,
  PE_LAZY,
  PE_PARENT,
  PE_PRESENT,
  run,
  type SynDir,
  type SynEntry,
  writeSynDir,
} from './helpers';

jest.setTimeout(180_000);

const P = BigInt(PAGE);
const va = (page: number): bigint => 0x7f0000000000n + BigInt(page) * P;
const pageOf = (a: bigint): number => Number((a - va(0)) / P);

/** An entry as the flattened image holds it: PE_PARENT (or in_parent) becomes PE_PRESENT, PE_LAZY kept. */
function flatEntry(e: SynEntry): SynEntry {
  const inParent = e.inParent === true || ((e.flags ?? 0) & PE_PARENT) !== 0;
  if (!inParent) return e;
  const flags = ((e.flags ?? 0) & ~PE_PARENT) | PE_PRESENT;
  return { vaddr: e.vaddr, pages: e.pages, flags, ...(e.extra ? { extra: e.extra } : {}) };
}

describeIf('pagedelta diff-tracked on synthetic images', ['gcc'], () => {
  let bin: string;
  let work: string;
  let n = 0;
  const fresh = (): string => path.join(work, `case-${++n}`);

  beforeAll(async () => {
    bin = await pagedeltaBinary();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-pagedelta-tracked-'));
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  /** diff-tracked cur | apply prev out; the two summaries agree; returns the summary, delta and out. */
  async function send(prev: string | undefined, cur: string) {
    const d = await ok([bin, 'diff-tracked', cur]);
    const out = `${cur}-out`;
    const a = await ok([bin, 'apply', prev ?? '-', out], { input: d.stdout });
    const s = parsePagedeltaSummary(d.stderr);
    const applied = parsePagedeltaSummary(a.stderr, 'apply');
    expect({ ...applied, elapsed: 0, cpu: 0 }).toEqual({ ...s, elapsed: 0, cpu: 0 });
    expect(s.bytes).toBe(d.stdout.length);
    return { summary: s, delta: d.stdout, out };
  }

  // The previous round as the target holds it: complete, flattened, with files the final dump lacks.
  const prevSpec: SynDir = {
    pagemaps: {
      'pagemap-1.img': {
        pagesId: 1,
        entries: [
          { vaddr: va(0), pages: 16, flags: PE_PRESENT | PE_LAZY },
          { vaddr: va(100), pages: 4, flags: PE_PRESENT },
          { vaddr: va(200), pages: 8, flags: PE_LAZY },
        ],
      },
      'pagemap-2.img': { pagesId: 2, entries: [{ vaddr: va(50), pages: 4, flags: PE_PRESENT }] },
    },
    version: () => 0,
    files: { 'inventory.img': 'inv0', 'fs-1.img': 'only in the pre-dump' },
  };
  // A final dump with a parent: entries split across parent and present, a new mapping with a zero page.
  const curEntries: SynEntry[] = [
    { vaddr: va(0), pages: 4, flags: PE_PARENT },
    { vaddr: va(4), pages: 2, flags: PE_PRESENT | PE_LAZY },
    { vaddr: va(6), pages: 10, flags: PE_PARENT },
    { vaddr: va(100), pages: 4, inParent: true, flags: PE_PARENT },
    { vaddr: va(150), pages: 3, flags: PE_PRESENT },
    { vaddr: va(200), pages: 8, flags: PE_LAZY },
  ];
  const curVersion = (a: bigint): number => {
    const p = pageOf(a);
    return p === 151 ? -1 : p >= 150 ? 2 : p >= 4 && p < 6 ? 1 : 0;
  };
  const curSpec: SynDir = {
    pagemaps: {
      'pagemap-1.img': { pagesId: 3, entries: curEntries },
      'pagemap-2.img': { pagesId: 1, entries: [{ vaddr: va(50), pages: 4, flags: PE_PARENT }] },
    },
    version: curVersion,
    files: { 'core-1.img': 'core v1', 'inventory.img': 'inv0' },
  };
  const expectedSpec: SynDir = {
    pagemaps: {
      'pagemap-1.img': { pagesId: 3, entries: curEntries.map(flatEntry) },
      'pagemap-2.img': { pagesId: 1, entries: [{ vaddr: va(50), pages: 4, flags: PE_PRESENT }] },
    },
    version: curVersion, // PREV's pages are version 0 where CUR has PE_PARENT entries
    files: { 'core-1.img': 'core v1', 'inventory.img': 'inv0' },
  };

  it('rebuilds the flattened image from PREV and the pages CRIU wrote; sends only CUR files', async () => {
    const prev = fresh();
    const cur = fresh();
    const expected = fresh();
    writeSynDir(prev, prevSpec);
    writeSynDir(cur, curSpec);
    fs.symlinkSync('../no-such-round', path.join(cur, 'parent')); // never followed, never sent
    writeSynDir(expected, expectedSpec);
    const { summary, out } = await send(prev, cur);
    expectSameDir(out, expected);
    expect(summary).toMatchObject({
      pagesTotal: 4 + 2 + 10 + 4 + 3 + 4,
      pagesSent: 5,
      pagesZero: 1,
      pagesUnchanged: 22,
      filesKept: 0,
    });
    const stat = parsePagedeltaStat((await ok([bin, 'stat', out])).stdout.toString());
    expect(stat.pagemaps.map((m) => m.parent)).toEqual([0, 0]);
    const curStat = parsePagedeltaStat((await ok([bin, 'stat', cur])).stdout.toString());
    expect(curStat.pagemaps.map((m) => [m.pages, m.parent])).toEqual([
      [5, 18],
      [0, 4],
    ]);
  });

  it('flattenImagesArgv makes a dump with a parent chain complete in place; cleans up on failure', async () => {
    const root = fresh();
    const [r1, r2, fin, expected] = ['rounds/1', 'rounds/2', 'ckpt/final', 'expected'].map((d) =>
      path.join(root, d),
    );
    writeSynDir(r1!, prevSpec);
    writeSynDir(r2!, { ...prevSpec, files: {} }); // a pre-dump: pages only
    fs.symlinkSync('../1', path.join(r2!, 'parent'));
    writeSynDir(fin!, curSpec);
    fs.symlinkSync('../../rounds/2', path.join(fin!, 'parent'));
    writeSynDir(expected!, expectedSpec);
    await ok(flattenImagesArgv(bin, r1!)); // no parent: nothing to do
    // what a run killed half-way left: partial outputs, removed and the work redone
    fs.mkdirSync(`${fin!}.flat-1`);
    fs.writeFileSync(`${fin!}.flat-1/pages-1.img`, 'partial');
    fs.mkdirSync(`${fin!}.flat`);
    await ok(flattenImagesArgv(bin, `${fin!}/`));
    expectSameDir(fin!, expected!);
    expect(fs.readdirSync(path.dirname(fin!))).toEqual(['final']);
    await ok(flattenImagesArgv(bin, fin!)); // now without parent: nothing to do
    // a chain whose oldest dump has parent entries cannot be rebuilt: refused, nothing changed
    const [r3, r4] = ['rounds/3', 'rounds/4'].map((d) => path.join(root, d));
    writeSynDir(r3!, curSpec);
    writeSynDir(r4!, curSpec);
    fs.symlinkSync('../3', path.join(r4!, 'parent'));
    const r = await run(flattenImagesArgv(bin, r4!));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no PREV_DIR/);
    expect(fs.readdirSync(path.join(root, 'rounds')).sort()).toEqual(['1', '2', '3', '4']);
    expect(fs.lstatSync(path.join(r4!, 'parent')).isSymbolicLink()).toBe(true);
  });

  it('first round (no parent) goes whole and unchanged', async () => {
    const cur = fresh();
    writeSynDir(cur, prevSpec);
    const { summary, out } = await send(undefined, cur);
    expectSameDir(out, cur);
    expect(summary).toMatchObject({ pagesTotal: 24, pagesSent: 24, pagesUnchanged: 0 });
  });

  it('flattens old and 4.2 encodings field by field; creates a pages image CUR lacks', async () => {
    const prev = fresh();
    const cur = fresh();
    writeSynDir(prev, {
      pagemaps: { 'pagemap-1.img': { pagesId: 1, entries: [{ vaddr: va(0), pages: 9 }] } },
      version: () => 0,
    });
    const extra = Buffer.concat([field(9, 77), field(10, Buffer.from('x'))]);
    writeSynDir(cur, {
      pagemaps: {
        'pagemap-1.img': {
          pagesId: 4,
          entries: [
            { vaddr: va(0), pages: 2, inParent: true }, // pre-flags "in parent"
            { vaddr: va(2), pages: 3, flags: PE_PARENT | PE_LAZY, nr64: true },
            { vaddr: va(5), pages: 4, flags: PE_PARENT, extra },
          ],
        },
      },
      version: () => 0,
    });
    fs.rmSync(path.join(cur, 'pages-4.img')); // nothing of its own: tolerated, rebuilt from PREV
    const { summary, out } = await send(prev, cur);
    expect(summary).toMatchObject({ pagesTotal: 9, pagesSent: 0, pagesUnchanged: 9 });
    // expected bytes: fields in number order, flags (4) before nr_pages (5), unknown fields kept
    const obj = (m: Buffer): Buffer => {
      const size = Buffer.alloc(4);
      size.writeUInt32LE(m.length);
      return Buffer.concat([size, m]);
    };
    const pm = Buffer.concat([
      pagemapImage(4, []),
      obj(Buffer.concat([field(1, va(0)), field(2, 2), field(4, PE_PRESENT)])),
      obj(Buffer.concat([field(1, va(2)), field(2, 0), field(4, PE_PRESENT | PE_LAZY), field(5, 3)])),
      obj(Buffer.concat([field(1, va(5)), field(2, 4), field(4, PE_PRESENT), extra])),
    ]);
    expect(fs.readFileSync(path.join(out, 'pagemap-1.img')).equals(pm)).toBe(true);
    expect(
      fs.readFileSync(path.join(out, 'pages-4.img')).equals(fs.readFileSync(path.join(prev, 'pages-1.img'))),
    ).toBe(true);
  });

  it.each([
    [
      'lacks a page CUR has in its parent',
      {
        ...prevSpec,
        pagemaps: {
          ...prevSpec.pagemaps,
          'pagemap-1.img': { pagesId: 1, entries: [{ vaddr: va(0), pages: 8, flags: PE_PRESENT }] },
        },
      },
      /page at 0x7f0000008000 is not in .*pagemap-1\.img \(the sender's image has it in its parent\): PREV_DIR does not match the delta/,
    ],
    [
      'lacks a pagemap',
      { ...prevSpec, pagemaps: { 'pagemap-1.img': prevSpec.pagemaps['pagemap-1.img']! } },
      /copies pages of pages-1\.img from the previous round, but .*pagemap-2\.img is missing/,
    ],
    ['is absent', undefined, /no PREV_DIR/],
  ])('apply refuses a PREV_DIR that %s, leaving nothing', async (_what, spec, message) => {
    const cur = fresh();
    writeSynDir(cur, curSpec);
    let prev = '-';
    if (spec) writeSynDir((prev = fresh()), spec);
    const d = await ok([bin, 'diff-tracked', cur]);
    const out = `${cur}-out`;
    const r = await run([bin, 'apply', prev, out], { input: d.stdout });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expectNoOutput(out);
  });

  it('apply refuses a damaged tracked stream', async () => {
    const prev = fresh();
    const cur = fresh();
    writeSynDir(prev, prevSpec);
    writeSynDir(cur, curSpec);
    const delta = (await ok([bin, 'diff-tracked', cur])).stdout;
    const out = `${cur}-out`;
    for (const at of [20, Math.floor(delta.length / 2), delta.length - 2 * PAGE, delta.length - 12]) {
      const b = Buffer.from(delta);
      b[at] = b[at]! ^ 0x10;
      const r = await run([bin, 'apply', prev, out], { input: b });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^pagedelta: error: /m);
      expectNoOutput(out);
    }
    const r = await run([bin, 'apply', prev, out], { input: delta.subarray(0, delta.length - 100) });
    expect(r.stderr).toMatch(/truncated stream/);
    expectNoOutput(out);
  });

  it.each([
    [
      'an entry both in the parent and present',
      (dir: string) =>
        fs.writeFileSync(
          path.join(dir, 'pagemap-2.img'),
          pagemapImage(1, [{ vaddr: va(50), pages: 1, flags: PE_PARENT | PE_PRESENT }]),
        ),
      /flagged both in the parent and present/,
    ],
    [
      'a symlink other than parent',
      (dir: string) => fs.symlinkSync('/tmp', path.join(dir, 'other')),
      /not a regular file/,
    ],
    ['a subdirectory', (dir: string) => fs.mkdirSync(path.join(dir, 'parent')), /not a regular file/],
  ])('diff-tracked refuses a directory with %s', async (_what, damage, message) => {
    const cur = fresh();
    writeSynDir(cur, curSpec);
    damage(cur);
    const r = await run([bin, 'diff-tracked', cur]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
  });

  it('property: a chain of pre-dumps and a final dump rebuilds the last memory state', async () => {
    const kindArb = fc.constantFrom(PE_PRESENT, PE_PRESENT | PE_LAZY, PE_LAZY);
    const layoutArb = fc
      .array(
        fc.record({
          start: fc.integer({ min: 0, max: 40 }),
          pages: fc.integer({ min: 1, max: 6 }),
          flags: kindArb,
        }),
        { maxLength: 5 },
      )
      .map((es) => {
        const out: { vaddr: bigint; pages: number; flags: number }[] = [];
        let next = 0;
        for (const e of [...es].sort((a, b) => a.start - b.start)) {
          const start = Math.max(e.start, next);
          out.push({ vaddr: va(start), pages: e.pages, flags: e.flags });
          next = start + e.pages;
        }
        return out;
      });
    await fc.assert(
      fc.asyncProperty(
        layoutArb,
        fc.integer({ min: 2, max: 4 }),
        fc.func(fc.boolean()),
        fc.func(fc.constantFrom(false, false, false, true)),
        async (layout, rounds, dirtyFn, zeroFn) => {
          const mem = new Map<number, number>(); // page -> content version
          let prevOut: string | undefined;
          let entries: SynEntry[] = [];
          for (let r = 1; r <= rounds; r++) {
            entries = [];
            let dirtyPages = 0;
            let parentPages = 0;
            for (const e of layout) {
              if (!(e.flags & PE_PRESENT)) {
                entries.push(e);
                continue;
              }
              const start = pageOf(e.vaddr);
              for (let i = 0; i < e.pages;) {
                const dirty = r === 1 || dirtyFn(start + i, r);
                let j = i;
                while (j < e.pages && (r === 1 || dirtyFn(start + j, r)) === dirty) {
                  if (dirty) mem.set(start + j, zeroFn(start + j, r) ? -1 : r);
                  j++;
                }
                entries.push({ vaddr: va(start + i), pages: j - i, flags: dirty ? e.flags : PE_PARENT });
                if (dirty) dirtyPages += j - i;
                else parentPages += j - i;
                i = j;
              }
            }
            const cur = fresh();
            const version = (a: bigint): number => mem.get(pageOf(a)) ?? 0;
            writeSynDir(cur, { pagemaps: { 'pagemap-1.img': { pagesId: r, entries } }, version });
            if (r > 1) fs.symlinkSync(`../${path.basename(prevOut!)}`, path.join(cur, 'parent'));
            const { summary, out } = await send(prevOut, cur);
            expect(summary.pagesSent).toBe(dirtyPages);
            expect(summary.pagesUnchanged).toBe(parentPages);
            prevOut = out;
          }
          const expected = fresh();
          const version = (a: bigint): number => mem.get(pageOf(a)) ?? 0;
          writeSynDir(expected, {
            pagemaps: { 'pagemap-1.img': { pagesId: rounds, entries: entries.map(flatEntry) } },
            version,
          });
          expectSameDir(prevOut!, expected);
        },
      ),
      { numRuns: 40 },
    );
  });
});
