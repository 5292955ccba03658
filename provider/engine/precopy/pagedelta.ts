/**
 * Pure helpers around `pagedelta` (native/pagedelta/pagedelta.c), the page-level delta tool of Ferry's
 * pre-copy: each round takes a full `--leave-running` CRIU checkpoint and `pagedelta diff PREV CUR` sends
 * only the pages whose content changed since the previous round; `pagedelta apply PREV OUT` rebuilds a
 * complete image directory on the target. Where the kernel tracks dirty pages, rounds are CRIU pre-dumps
 * with a parent instead and `pagedelta diff-tracked CUR` sends them without reading any previous image
 * (same `apply` on the target). Argument vectors, output parsers and derived figures only: running the
 * tool (locally or over SSH) is the caller's business.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { InvalidInput, PrerequisiteMissing } from '../../errors';
import { bytes, millis, type Bytes, type Duration } from '../../units';

/** Path of the C source, relative to the root of a Ferry checkout. */
export const PAGEDELTA_SOURCE = 'native/pagedelta/pagedelta.c';

/** Version of the delta stream that this Ferry speaks (header of the stream; see the C source). */
export const PAGEDELTA_STREAM_VERSION = 1;

/** What `diff` (or `apply`) reports in its last stderr line. Page counts are in pages of `pageSize`. */
export interface PagedeltaSummary {
  /** Pages in the current images (pages). */
  readonly pagesTotal: number;
  /** Pages sent because they are new or changed since the previous round, zero pages included (pages). */
  readonly pagesSent: number;
  /** Pages not sent: same content at the same address as in the previous round (pages). */
  readonly pagesUnchanged: number;
  /** Of the sent pages, those that are all zeros and travel as a count only (pages). */
  readonly pagesZero: number;
  /** Size of the delta stream, in bytes. */
  readonly bytes: Bytes;
  /** Records in the stream: whole files, kept files and pages images. */
  readonly files: number;
  /** Files found byte-identical to the previous round's and not sent again. */
  readonly filesKept: number;
  /** Bytes of the whole (non-pages) files sent. */
  readonly fileBytes: Bytes;
  /** Page size of the images, in bytes. */
  readonly pageSize: Bytes;
  /** Wall-clock time the command took, in seconds (`undefined` if not reported). */
  readonly elapsed: Duration | undefined;
  /** CPU time (user + system) the command used, in seconds (`undefined` if not reported). */
  readonly cpu: Duration | undefined;
}

/** One pagemap of an image directory, as listed by `pagedelta stat`. */
export interface PagedeltaStatEntry {
  /** File name of the pagemap image, e.g. `pagemap-1.img`. */
  readonly pagemap: string;
  /** File name of its pages image, e.g. `pages-1.img`, or `undefined` when it has none. */
  readonly pagesImage: string | undefined;
  /** Entries in the pagemap. */
  readonly entries: number;
  /** Pages with data in the pages image (pages). */
  readonly pages: number;
  /** Pages flagged lazy (pages). */
  readonly lazy: number;
  /** Pages stored in a parent image (pages). */
  readonly parent: number;
  /** Size of its pages data, in bytes. */
  readonly bytes: Bytes;
}

/** The output of `pagedelta stat DIR`: the dumped memory size M and the size of everything else. */
export interface PagedeltaStat {
  /** One entry per pagemap image. */
  readonly pagemaps: readonly PagedeltaStatEntry[];
  /** Pages with data, over all pagemaps (pages). */
  readonly pages: number;
  /** Memory in the images, in bytes (`pages` × `pageSize`). */
  readonly bytes: Bytes;
  /** Number of other files (core, mm, files, inventory, pagemaps, ...). */
  readonly files: number;
  /** Their total size, in bytes. */
  readonly fileBytes: Bytes;
  /** Page size, in bytes. */
  readonly pageSize: Bytes;
}

/**
 * The local path of `pagedelta.c`: `native/pagedelta/pagedelta.c` under the nearest ancestor of `start`
 * that holds it (works from the sources and from `dist/`).
 * @throws PrerequisiteMissing when no ancestor holds it.
 */
export function pagedeltaSourcePath(
  start: string = __dirname,
  exists: (p: string) => boolean = existsSync,
): string {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, PAGEDELTA_SOURCE);
    if (exists(candidate)) return candidate;
    if (path.dirname(dir) === dir) {
      throw new PrerequisiteMissing(PAGEDELTA_SOURCE, `not found in any directory above ${start}`, {
        hint: 'run Ferry from a complete checkout',
      });
    }
  }
}

/**
 * argv of `pagedelta diff PREV CUR`: writes the delta of image directory `cur` against `prev` to stdout.
 * `prev` `undefined` means the first round (everything is sent); it is passed as `-`.
 */
export function pagedeltaDiffArgv(bin: string, prev: string | undefined, cur: string): string[] {
  return [
    checkArg('bin', bin),
    'diff',
    prev === undefined ? '-' : checkDir('prev', prev),
    checkDir('cur', cur),
  ];
}

/**
 * argv of `pagedelta diff-tracked CUR`: writes the delta of image directory `cur`, a CRIU (pre-)dump made
 * with a parent (`runc checkpoint --parent-path`, kernels with soft-dirty tracking), to stdout without
 * reading any previous image. The pages CRIU wrote (dirtied since the parent) go as data, its PE_PARENT
 * pages as "the page at this address in the previous round", and its pagemaps flattened, so that
 * {@link pagedeltaApplyArgv} with the target's previous round rebuilds a complete image directory that
 * needs no parent. Its `parent` link is not sent. In the summary, `sent` counts the pages CRIU wrote and
 * `unchanged` its PE_PARENT pages. Without a parent (a first round) everything is sent.
 */
export function pagedeltaDiffTrackedArgv(bin: string, cur: string): string[] {
  return [checkArg('bin', bin), 'diff-tracked', checkDir('cur', cur)];
}

/**
 * argv of `pagedelta apply PREV OUT`: reads a delta on stdin and creates the image directory `out`
 * (which must not exist) from it and `prev`. `prev` `undefined` (passed as `-`) is for first rounds.
 */
export function pagedeltaApplyArgv(bin: string, prev: string | undefined, out: string): string[] {
  return [
    checkArg('bin', bin),
    'apply',
    prev === undefined ? '-' : checkDir('prev', prev),
    checkDir('out', out),
  ];
}

/** argv of `pagedelta stat DIR`: pages and bytes per pagemap of an image directory, on stdout. */
export function pagedeltaStatArgv(bin: string, dir: string): string[] {
  return [checkArg('bin', bin), 'stat', checkDir('dir', dir)];
}

const SUMMARY_KEYS = ['total', 'sent', 'unchanged', 'bytes'] as const;

/**
 * Parses the summary `diff` prints last on stderr,
 * `pagedelta: total=N sent=N unchanged=N bytes=N zero=N files=N kept=N file_bytes=N page_size=N ms=N cpu_ms=N`
 * (with `kind` `'apply'`: the `pagedelta: applied total=...` line of `apply`). Other lines are ignored;
 * the last summary line wins. Keys after `bytes` are optional (counts zero, page size 4096 and times
 * `undefined` when absent); unknown keys are ignored.
 * @throws InvalidInput when there is no summary line or its numbers do not add up.
 */
export function parsePagedeltaSummary(stderr: string, kind: 'diff' | 'apply' = 'diff'): PagedeltaSummary {
  const prefix = kind === 'diff' ? 'pagedelta: total=' : 'pagedelta: applied total=';
  const line = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith(prefix))
    .pop();
  const expected = `a line "${prefix}N sent=N unchanged=N bytes=N ..."`;
  if (line === undefined) throw new InvalidInput(`pagedelta ${kind} summary`, tail(stderr), expected);
  const kv = keyValues(line.slice(prefix.length - 'total='.length));
  if (kv === undefined || SUMMARY_KEYS.some((k) => kv.get(k) === undefined)) {
    throw new InvalidInput(`pagedelta ${kind} summary`, line, expected);
  }
  const get = (k: string, dflt = 0): number => kv.get(k) ?? dflt;
  const s: PagedeltaSummary = {
    pagesTotal: get('total'),
    pagesSent: get('sent'),
    pagesUnchanged: get('unchanged'),
    pagesZero: get('zero'),
    bytes: bytes(get('bytes')),
    files: get('files'),
    filesKept: get('kept'),
    fileBytes: bytes(get('file_bytes')),
    pageSize: bytes(get('page_size', 4096)),
    elapsed: kv.has('ms') ? millis(get('ms')) : undefined,
    cpu: kv.has('cpu_ms') ? millis(get('cpu_ms')) : undefined,
  };
  if (s.pagesSent + s.pagesUnchanged !== s.pagesTotal || s.pagesZero > s.pagesSent || s.pageSize <= 0) {
    throw new InvalidInput(`pagedelta ${kind} summary`, line, 'sent + unchanged = total and zero <= sent');
  }
  return s;
}

/**
 * Parses the stdout of `pagedelta stat DIR`: one line per pagemap
 * (`pagemap-1.img pages-1.img entries=N pages=N lazy=N parent=N bytes=N`) then
 * `pagedelta: pagemaps=N pages=N bytes=N files=N file_bytes=N page_size=N`.
 * @throws InvalidInput when the totals line is missing or malformed.
 */
export function parsePagedeltaStat(stdout: string): PagedeltaStat {
  const lines = stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const totalLine = lines.filter((l) => l.startsWith('pagedelta: ')).pop();
  const expected = 'a line "pagedelta: pagemaps=N pages=N bytes=N files=N file_bytes=N page_size=N"';
  const totals = totalLine === undefined ? undefined : keyValues(totalLine.slice('pagedelta: '.length));
  const keys = ['pagemaps', 'pages', 'bytes', 'files', 'file_bytes', 'page_size'];
  if (totals === undefined || keys.some((k) => totals.get(k) === undefined)) {
    throw new InvalidInput('pagedelta stat output', tail(stdout), expected);
  }
  const pagemaps: PagedeltaStatEntry[] = [];
  for (const l of lines) {
    if (l.startsWith('pagedelta: ')) continue;
    const m = /^(\S+) (\S+) (.*)$/.exec(l);
    const kv = m ? keyValues(m[3]!) : undefined;
    if (!m || !kv || ['entries', 'pages', 'bytes'].some((k) => kv.get(k) === undefined)) {
      throw new InvalidInput(
        'pagedelta stat line',
        l,
        '"<pagemap> <pages image|-> entries=N pages=N ... bytes=N"',
      );
    }
    pagemaps.push({
      pagemap: m[1]!,
      pagesImage: m[2] === '-' ? undefined : m[2],
      entries: kv.get('entries')!,
      pages: kv.get('pages')!,
      lazy: kv.get('lazy') ?? 0,
      parent: kv.get('parent') ?? 0,
      bytes: bytes(kv.get('bytes')!),
    });
  }
  return {
    pagemaps,
    pages: totals.get('pages')!,
    bytes: bytes(totals.get('bytes')!),
    files: totals.get('files')!,
    fileBytes: bytes(totals.get('file_bytes')!),
    pageSize: bytes(totals.get('page_size')!),
  };
}

/**
 * Share of the pages that did not change since the previous round, from 0 (all sent) to 1 (none).
 * An image without pages counts as unchanged (1). Feeds the pre-copy stop rule.
 */
export function unchangedRatio(s: PagedeltaSummary): number {
  return s.pagesTotal === 0 ? 1 : s.pagesUnchanged / s.pagesTotal;
}

/**
 * Memory that changed since the previous round, in bytes (sent pages × page size, zero pages included):
 * divided by the time between the two checkpoints it estimates the dirty rate.
 */
export function changedBytes(s: PagedeltaSummary): Bytes {
  return bytes(s.pagesSent * s.pageSize);
}

/** `key=N` pairs of a summary line; `undefined` when a token is not `key=<non-negative integer>`. */
function keyValues(text: string): Map<string, number> | undefined {
  const kv = new Map<string, number>();
  for (const token of text.trim().split(/\s+/)) {
    const m = /^([a-z_]+)=(\d+)$/.exec(token);
    if (!m) return undefined;
    const n = Number(m[2]);
    if (!Number.isSafeInteger(n)) return undefined;
    kv.set(m[1]!, n);
  }
  return kv;
}

function checkArg(field: string, value: string): string {
  if (value === '' || value.includes('\0'))
    throw new InvalidInput(field, value, 'a non-empty path without NUL');
  return value;
}

/** A directory argument: non-empty, not `-` (which means "no previous round" to the tool). */
function checkDir(field: string, value: string): string {
  checkArg(field, value);
  if (value === '-') throw new InvalidInput(field, value, 'a directory path (use undefined for "none")');
  return value;
}

function tail(text: string, max = 300): string {
  const t = text.trim();
  return t.length <= max ? t : `...${t.slice(t.length - max)}`;
}
