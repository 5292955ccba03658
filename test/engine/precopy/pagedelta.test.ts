import * as path from 'node:path';
import { InvalidInput, PrerequisiteMissing } from '../../../provider/errors';
import {
  changedBytes,
  PAGEDELTA_SOURCE,
  pagedeltaApplyArgv,
  pagedeltaDiffArgv,
  pagedeltaDiffTrackedArgv,
  pagedeltaSourcePath,
  pagedeltaStatArgv,
  parsePagedeltaStat,
  parsePagedeltaSummary,
  unchangedRatio,
} from '../../../provider/engine/precopy/pagedelta';

const DIFF_STDERR = [
  'pagedelta: pages-1.img (pagemap-1.img): pages=65551 sent=6660 unchanged=58891 zero=0',
  'pagedelta: total=65551 sent=6660 unchanged=58891 bytes=27282075 zero=0 files=14 kept=8 file_bytes=2335 page_size=4096 ms=74 cpu_ms=70',
  '',
].join('\n');

describe('argv builders', () => {
  it.each([
    [
      '/opt/ferry/pagedelta',
      '/var/ferry/r1',
      '/var/ferry/r2',
      ['/opt/ferry/pagedelta', 'diff', '/var/ferry/r1', '/var/ferry/r2'],
    ],
    ['./pagedelta', undefined, 'round-1', ['./pagedelta', 'diff', '-', 'round-1']],
    ['pd', 'a dir/with space', '-weird', ['pd', 'diff', 'a dir/with space', '-weird']],
  ])('diff(%j, %j, %j)', (bin, prev, cur, expected) => {
    expect(pagedeltaDiffArgv(bin, prev, cur)).toEqual(expected);
  });

  it.each([
    ['/opt/pd', '/img/r1', '/img/r2', ['/opt/pd', 'apply', '/img/r1', '/img/r2']],
    ['/opt/pd', undefined, '/img/r1', ['/opt/pd', 'apply', '-', '/img/r1']],
  ])('apply(%j, %j, %j)', (bin, prev, out, expected) => {
    expect(pagedeltaApplyArgv(bin, prev, out)).toEqual(expected);
  });

  it('diff-tracked takes only the current dir', () => {
    expect(pagedeltaDiffTrackedArgv('/opt/pd', '/var/ferry/rounds/3')).toEqual([
      '/opt/pd',
      'diff-tracked',
      '/var/ferry/rounds/3',
    ]);
  });

  it('stat', () => {
    expect(pagedeltaStatArgv('/opt/pd', '/img/r1')).toEqual(['/opt/pd', 'stat', '/img/r1']);
  });

  it.each<[string, () => unknown, string]>([
    ['empty bin', () => pagedeltaDiffArgv('', 'a', 'b'), 'bin'],
    ['empty cur', () => pagedeltaDiffArgv('pd', 'a', ''), 'cur'],
    ['"-" as cur', () => pagedeltaDiffArgv('pd', 'a', '-'), 'cur'],
    ['"-" as tracked cur', () => pagedeltaDiffTrackedArgv('pd', '-'), 'cur'],
    ['empty tracked bin', () => pagedeltaDiffTrackedArgv('', 'cur'), 'bin'],
    ['"-" as prev', () => pagedeltaApplyArgv('pd', '-', 'out'), 'prev'],
    ['"-" as out', () => pagedeltaApplyArgv('pd', undefined, '-'), 'out'],
    ['NUL in out', () => pagedeltaApplyArgv('pd', 'a', 'o\0ut'), 'out'],
    ['empty stat dir', () => pagedeltaStatArgv('pd', ''), 'dir'],
  ])('rejects %s naming the field', (_what, call, field) => {
    expect(call).toThrow(InvalidInput);
    expect(call).toThrow(new RegExp(`invalid ${field}:`));
  });
});

describe('parsePagedeltaSummary', () => {
  it('reads the last line of diff, ignoring per-file lines', () => {
    const s = parsePagedeltaSummary(DIFF_STDERR);
    expect(s).toEqual({
      pagesTotal: 65551,
      pagesSent: 6660,
      pagesUnchanged: 58891,
      pagesZero: 0,
      bytes: 27282075,
      files: 14,
      filesKept: 8,
      fileBytes: 2335,
      pageSize: 4096,
      elapsed: 0.074,
      cpu: 0.07,
    });
    expect(unchangedRatio(s)).toBeCloseTo(58891 / 65551, 12);
    expect(changedBytes(s)).toBe(6660 * 4096);
  });

  it.each([
    ['minimal line', 'pagedelta: total=10 sent=4 unchanged=6 bytes=16500', 10, 4, 6, 16500, 4096],
    [
      'CRLF and noise',
      'criu said hi\r\npagedelta: total=3 sent=3 unchanged=0 bytes=12400 zero=1 page_size=4096\r\n',
      3,
      3,
      0,
      12400,
      4096,
    ],
    [
      'the last of two',
      'pagedelta: total=1 sent=1 unchanged=0 bytes=1\npagedelta: total=2 sent=0 unchanged=2 bytes=99',
      2,
      0,
      2,
      99,
      4096,
    ],
    ['64 KiB pages', 'pagedelta: total=0 sent=0 unchanged=0 bytes=40 page_size=65536', 0, 0, 0, 40, 65536],
  ])('%s', (_what, text, total, sent, unchanged, b, pageSize) => {
    const s = parsePagedeltaSummary(text);
    expect([s.pagesTotal, s.pagesSent, s.pagesUnchanged, s.bytes, s.pageSize]).toEqual([
      total,
      sent,
      unchanged,
      b,
      pageSize,
    ]);
  });

  it('leaves times undefined when not reported and ignores unknown keys', () => {
    const s = parsePagedeltaSummary('pagedelta: total=1 sent=1 unchanged=0 bytes=4200 future_key=7');
    expect(s.elapsed).toBeUndefined();
    expect(s.cpu).toBeUndefined();
    expect(s.pagesSent).toBe(1);
  });

  it('reads apply lines only with kind apply', () => {
    const line =
      'pagedelta: applied total=5 sent=1 unchanged=4 bytes=4200 zero=0 files=3 kept=1 file_bytes=9 page_size=4096';
    expect(parsePagedeltaSummary(line, 'apply').pagesUnchanged).toBe(4);
    expect(() => parsePagedeltaSummary(line)).toThrow(InvalidInput);
    expect(() => parsePagedeltaSummary(DIFF_STDERR, 'apply')).toThrow(InvalidInput);
  });

  it.each([
    ['no summary', 'pagedelta: error: truncated stream'],
    ['empty', ''],
    ['missing bytes', 'pagedelta: total=1 sent=1 unchanged=0'],
    ['non-numeric', 'pagedelta: total=1 sent=x unchanged=0 bytes=5'],
    ['negative', 'pagedelta: total=1 sent=-1 unchanged=2 bytes=5'],
    ['counts do not add up', 'pagedelta: total=10 sent=4 unchanged=5 bytes=5'],
    ['more zero than sent', 'pagedelta: total=2 sent=1 unchanged=1 bytes=5 zero=2'],
    ['unsafe integer', 'pagedelta: total=1 sent=1 unchanged=0 bytes=99999999999999999999'],
  ])('rejects %s', (_what, text) => {
    expect(() => parsePagedeltaSummary(text)).toThrow(InvalidInput);
  });

  it.each([
    [0, 0, 1],
    [100, 0, 0],
    [100, 75, 0.75],
    [100, 100, 1],
  ])('unchangedRatio with total=%d unchanged=%d is %d', (total, unchanged, ratio) => {
    const s = parsePagedeltaSummary(
      `pagedelta: total=${total} sent=${total - unchanged} unchanged=${unchanged} bytes=1`,
    );
    expect(unchangedRatio(s)).toBe(ratio);
  });
});

describe('parsePagedeltaStat', () => {
  it('reads per-pagemap lines and totals', () => {
    const out = [
      'pagemap-1.img pages-1.img entries=72 pages=16399 lazy=16391 parent=0 bytes=67170304',
      'pagemap-shmem-7.img - entries=0 pages=0 lazy=0 parent=0 bytes=0',
      'pagedelta: pagemaps=2 pages=16399 bytes=67170304 files=13 file_bytes=4474 page_size=4096',
    ].join('\n');
    const s = parsePagedeltaStat(out);
    expect(s.bytes).toBe(67170304);
    expect(s.pages).toBe(16399);
    expect(s.fileBytes).toBe(4474);
    expect(s.pagemaps).toEqual([
      {
        pagemap: 'pagemap-1.img',
        pagesImage: 'pages-1.img',
        entries: 72,
        pages: 16399,
        lazy: 16391,
        parent: 0,
        bytes: 67170304,
      },
      {
        pagemap: 'pagemap-shmem-7.img',
        pagesImage: undefined,
        entries: 0,
        pages: 0,
        lazy: 0,
        parent: 0,
        bytes: 0,
      },
    ]);
  });

  it.each([
    ['no totals', 'pagemap-1.img pages-1.img entries=1 pages=1 bytes=4096'],
    ['missing key in totals', 'pagedelta: pagemaps=0 pages=0 bytes=0'],
    [
      'garbled entry',
      'what is this\npagedelta: pagemaps=0 pages=0 bytes=0 files=0 file_bytes=0 page_size=4096',
    ],
  ])('rejects %s', (_what, text) => {
    expect(() => parsePagedeltaStat(text)).toThrow(InvalidInput);
  });
});

describe('pagedeltaSourcePath', () => {
  it.each([
    ['/repo/provider/engine', '/repo'],
    ['/repo/dist/provider/engine', '/repo'],
    ['/repo', '/repo'],
  ])('from %s finds it under %s', (start, root) => {
    const want = path.join(root, PAGEDELTA_SOURCE);
    expect(pagedeltaSourcePath(start, (p) => p === want)).toBe(want);
  });

  it('throws PrerequisiteMissing outside a checkout', () => {
    expect(() => pagedeltaSourcePath('/nowhere/at/all', () => false)).toThrow(PrerequisiteMissing);
  });

  it('finds the real source of this checkout', () => {
    expect(pagedeltaSourcePath()).toBe(path.resolve(__dirname, '..', '..', '..', PAGEDELTA_SOURCE));
  });
});
