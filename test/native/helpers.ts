/**
 * Helpers of the native (pagedelta) integration tests: prerequisites, building, running processes with
 * argument arrays, and writing synthetic CRIU images.
 */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildNative } from '../../provider/engine/preflight/native-build';
import { pagedeltaSourcePath } from '../../provider/engine/precopy/pagedelta';
import { describeIntegration } from '../support/describe-integration';

/** Something a test suite needs from the host. */
export type Need = 'gcc' | 'criu' | 'root';

/** What is missing for `needs`, as sentences (empty when everything is there). */
export function missing(needs: readonly Need[]): string[] {
  const out: string[] = [];
  for (const need of needs) {
    if (need === 'root' && process.getuid?.() !== 0)
      out.push('must run as root (CRIU dumps and restores processes)');
    if (need === 'gcc' && !works('gcc', ['--version']))
      out.push('gcc not found (apt-get install gcc libc6-dev)');
    if (need === 'criu') {
      const v = version('criu', ['--version']);
      if (v === undefined) out.push('criu not found on PATH (bash scripts/setup.sh installs CRIU 4.1.1)');
      else if (!/Version: ([4-9]|\d{2,})\./.test(v)) out.push(`criu >= 4 needed, found: ${v.trim()}`);
    }
  }
  return out;
}

/**
 * `describe` when the host has `needs`; otherwise a suite that FAILS with a clear message under CI=true,
 * and a skipped suite (with a note) elsewhere.
 */
export function describeIf(name: string, needs: readonly Need[], body: () => void): void {
  describeIntegration(name, missing(needs), body);
}

function works(cmd: string, args: string[]): boolean {
  return version(cmd, args) !== undefined;
}

function version(cmd: string, args: string[]): string | undefined {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20000 });
  } catch {
    return undefined;
  }
}

/**
 * The pagedelta binary the tests run: `FERRY_PAGEDELTA_BIN` when set (e.g. the sanitizer build of
 * scripts/test-fast.sh), else the static build of the engine (compiled once, cached).
 */
export async function pagedeltaBinary(): Promise<string> {
  const given = process.env.FERRY_PAGEDELTA_BIN;
  if (given !== undefined && given !== '') {
    const bin = path.resolve(given);
    fs.accessSync(bin, fs.constants.X_OK); // a wrong path fails the suite, it never falls back silently
    return bin;
  }
  return (await buildNative(pagedeltaSourcePath())).path;
}

/** The result of {@link run}. */
export interface RunResult {
  readonly code: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
  /** Wall-clock time from spawn to exit, in seconds. */
  readonly seconds: number;
}

/** Options of {@link run}. */
export interface RunOptions {
  /** Bytes for stdin (default: nothing, stdin closed). */
  readonly input?: Buffer;
  /** A file to use as stdin instead of `input`. */
  readonly stdinFile?: string;
  /** A file to write stdout to instead of capturing it. */
  readonly stdoutFile?: string;
  /** Time limit in milliseconds (default 60000). */
  readonly timeoutMs?: number;
  /** Extra environment variables (added to this process's). */
  readonly env?: Readonly<Record<string, string>>;
}

/** Runs argv (no shell) and collects its output; never rejects on a non-zero exit. */
export function run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const inFd = opts.stdinFile ? fs.openSync(opts.stdinFile, 'r') : undefined;
    const outFd = opts.stdoutFile ? fs.openSync(opts.stdoutFile, 'w') : undefined;
    const t0 = process.hrtime.bigint();
    const child = spawn(argv[0]!, argv.slice(1), {
      stdio: [inFd ?? 'pipe', outFd ?? 'pipe', 'pipe'],
      env: opts.env ? { ...process.env, ...opts.env } : process.env,
    });
    const out: Buffer[] = [];
    let err = '';
    child.stdout?.on('data', (d: Buffer) => out.push(d));
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.stdin?.on('error', () => undefined); // apply may exit before reading everything
    if (child.stdin) child.stdin.end(opts.input ?? Buffer.alloc(0));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const secs = Number(process.hrtime.bigint() - t0) / 1e9;
      if (inFd !== undefined) fs.closeSync(inFd);
      if (outFd !== undefined) fs.closeSync(outFd);
      resolve({ code, stdout: Buffer.concat(out), stderr: err, seconds: secs });
    });
  });
}

/** Runs argv and throws (with its stderr) unless it exits with 0. */
export async function ok(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const r = await run(argv, opts);
  if (r.code !== 0) throw new Error(`${argv.join(' ')} exited with ${r.code}:\n${r.stderr}`);
  return r;
}

/** Names of the files of a directory, sorted. */
export function listDir(dir: string): string[] {
  return fs.readdirSync(dir).sort();
}

/** Asserts two image directories hold the same file names with byte-identical contents. */
export function expectSameDir(actual: string, expected: string): void {
  expect(listDir(actual)).toEqual(listDir(expected));
  for (const name of listDir(expected)) {
    const a = fs.readFileSync(path.join(actual, name));
    const b = fs.readFileSync(path.join(expected, name));
    if (!a.equals(b)) throw new Error(`${actual}/${name} differs from ${expected}/${name}`);
  }
}

/** Asserts that `out` does not exist and that no temporary directory of apply is left next to it. */
export function expectNoOutput(out: string): void {
  expect(fs.existsSync(out)).toBe(false);
  const base = path.basename(out);
  expect(fs.readdirSync(path.dirname(out)).filter((n) => n.startsWith(`${base}.pagedelta-tmp`))).toEqual([]);
}

// ---------------------------------------------------------------------------------------------------
// Synthetic CRIU images (written here from the format description, to test cases real dumps rarely show)

/** IMG_COMMON_MAGIC and PAGEMAP_MAGIC of CRIU. */
export const IMG_COMMON_MAGIC = 0x54564319;
export const PAGEMAP_MAGIC = 0x56084025;
/** pagemap_entry flags. */
export const PE_PARENT = 1;
export const PE_LAZY = 2;
export const PE_PRESENT = 4;
/** Page size of the synthetic images (bytes); pagedelta uses the host's, 4096 on x86-64. */
export const PAGE = 4096;

/** Protobuf base-128 varint. */
export function varint(v: bigint | number): Buffer {
  let x = BigInt(v);
  const out: number[] = [];
  while (x >= 0x80n) {
    out.push(Number((x & 0x7fn) | 0x80n));
    x >>= 7n;
  }
  out.push(Number(x));
  return Buffer.from(out);
}

/** One protobuf field: varint (wire type 0) for numbers, length-delimited (2) for Buffers. */
export function field(num: number, value: bigint | number | boolean | Buffer): Buffer {
  if (Buffer.isBuffer(value)) return Buffer.concat([varint((num << 3) | 2), varint(value.length), value]);
  return Buffer.concat([varint(num << 3), varint(typeof value === 'boolean' ? Number(value) : value)]);
}

function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b;
}

/** A pagemap entry as written in a synthetic image. */
export interface SynEntry {
  /** Start address (bytes). */
  readonly vaddr: bigint;
  /** Length (pages). */
  readonly pages: number;
  /** PE_* flags; `undefined` writes no flags field (images of old CRIU versions). */
  readonly flags?: number;
  /** Writes the in_parent field. */
  readonly inParent?: boolean;
  /** Writes nr_pages as field 5 (CRIU 4.2+) with compat_nr_pages = 0. */
  readonly nr64?: boolean;
  /** Extra (unknown) fields appended to the message. */
  readonly extra?: Buffer;
}

/** Whether an entry has data in the pages image, by CRIU's rule. */
export function hasData(e: SynEntry): boolean {
  if (e.flags === undefined) return !e.inParent;
  return (e.flags & PE_PRESENT) !== 0;
}

/** The bytes of a pagemap image: magics, pagemap_head{pages_id}, then the entries. */
export function pagemapImage(pagesId: number | undefined, entries: readonly SynEntry[]): Buffer {
  const parts: Buffer[] = [u32(IMG_COMMON_MAGIC), u32(PAGEMAP_MAGIC)];
  const obj = (m: Buffer): void => void parts.push(u32(m.length), m);
  if (pagesId !== undefined) obj(field(1, pagesId));
  for (const e of entries) {
    const fields = [
      field(1, e.vaddr),
      e.nr64 ? Buffer.concat([field(2, 0), field(5, e.pages)]) : field(2, e.pages),
    ];
    if (e.inParent !== undefined) fields.push(field(3, e.inParent));
    if (e.flags !== undefined) fields.push(field(4, e.flags));
    if (e.extra) fields.push(e.extra);
    obj(Buffer.concat(fields));
  }
  return Buffer.concat(parts);
}

/** Deterministic content of the page at `vaddr` in "version" `v` (v = -1: a zero page). */
export function pageContent(vaddr: bigint, v: number): Buffer {
  const b = Buffer.alloc(PAGE);
  if (v < 0) return b;
  let x = (vaddr ^ (BigInt(v) * 0x9e3779b97f4a7c15n) ^ 0x2545f4914f6cdd1dn) & 0xffffffffffffffffn;
  if (x === 0n) x = 1n;
  for (let i = 0; i < PAGE; i += 8) {
    x ^= (x << 13n) & 0xffffffffffffffffn;
    x ^= x >> 7n;
    x ^= (x << 17n) & 0xffffffffffffffffn;
    b.writeBigUInt64LE(x, i);
  }
  return b;
}

/** A synthetic image directory: pagemaps (by file name) and other files. */
export interface SynDir {
  /** pagemap file name -> pages_id and entries; `version(vaddr)` gives each page's content version. */
  readonly pagemaps: Record<string, { pagesId?: number; entries: readonly SynEntry[] }>;
  /** Content version of the page at an address (-1 = zero page). */
  readonly version: (vaddr: bigint) => number;
  /** Other files: name -> content (and mode). */
  readonly files?: Record<string, string | { data: Buffer | string; mode: number }>;
}

/** Writes a synthetic image directory; returns the number of pages with data. */
export function writeSynDir(dir: string, spec: SynDir): number {
  fs.mkdirSync(dir, { recursive: true });
  let total = 0;
  for (const [name, pm] of Object.entries(spec.pagemaps)) {
    fs.writeFileSync(path.join(dir, name), pagemapImage(pm.pagesId, pm.entries));
    if (pm.pagesId === undefined) continue;
    const pages: Buffer[] = [];
    for (const e of pm.entries) {
      if (!hasData(e)) continue;
      for (let i = 0; i < e.pages; i++) {
        const va = e.vaddr + BigInt(i * PAGE);
        pages.push(pageContent(va, spec.version(va)));
      }
    }
    total += pages.length;
    fs.writeFileSync(path.join(dir, `pages-${pm.pagesId}.img`), Buffer.concat(pages));
  }
  for (const [name, f] of Object.entries(spec.files ?? {})) {
    const { data, mode } = typeof f === 'string' ? { data: f, mode: 0o644 } : f;
    fs.writeFileSync(path.join(dir, name), data);
    fs.chmodSync(path.join(dir, name), mode);
  }
  return total;
}
