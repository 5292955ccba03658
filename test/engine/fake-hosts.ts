/**
 * The tiny model of both hosts behind the fakes of fake-shell.ts, so that what a command needs is checked
 * too, on top of the exact command sequence: runc's `--parent-path` must resolve to an existing dump whose
 * whole parent chain still exists (CRIU follows it), `pagedelta diff` refuses a dump with a `parent` link
 * (as the real tool does), a delta file must exist to be sent, and the target's receiver needs round N-1
 * for `apply N` (as receive.sh does).
 */
import { posix } from 'node:path';
import type { DataPath } from '../../provider/engine/data-path/data-path';
import type { ExecResult } from '../../provider/hosts/remote-shell';
import { seconds } from '../../provider/units';
import {
  argvText,
  DIFF_SH,
  DIRTY,
  MKDIR_PREFIX,
  ID,
  PD,
  RUNTIME_ROOT,
  S,
  same,
  T,
  TOTAL,
  TR,
  type Respond,
  type World,
} from './fake-shell';

/** A realistic last stderr line of `pagedelta diff`/`diff-tracked` (see native/pagedelta/pagedelta.c). */
function summary(sent: number, kept: number): string {
  const zero = Math.min(sent, 37);
  const fileBytes = 2335;
  const streamBytes = (sent - zero) * 4096 + fileBytes + 41 + 14 * 24;
  return `pagedelta: total=${TOTAL} sent=${sent} unchanged=${TOTAL - sent} bytes=${streamBytes} zero=${zero} files=14 kept=${kept} file_bytes=${fileBytes} page_size=4096 ms=74 cpu_ms=70`;
}

const RUNC_FLAGS = new Set(['--leave-running', '--pre-dump', '--file-locks']);
const RUNC_VALUED = new Set(['--image-path', '--work-path', '--parent-path']);

/** `runc --root R checkpoint ... ID` on the fake source; checks what CRIU and runc 1.1 would need. */
function runc(w: World, argv: readonly string[]): Partial<ExecResult> | undefined {
  if (argv[1] !== '--root' || argv[2] !== RUNTIME_ROOT || argv[3] !== 'checkpoint' || argv.at(-1) !== ID)
    return undefined;
  const opts = new Map<string, string>();
  const flags = argv.slice(4, -1);
  for (let k = 0; k < flags.length; k++) {
    const f = flags[k]!;
    if (RUNC_VALUED.has(f) && k + 1 < flags.length) opts.set(f, flags[++k]!);
    else if (!RUNC_FLAGS.has(f)) return undefined;
  }
  const bad = (why: string): never => w.fail(`runc checkpoint ${argvText(argv)}: ${why}`);
  const image = opts.get('--image-path');
  const work = opts.get('--work-path');
  if (!w.running) bad('the container is not running any more');
  if (image === undefined || w.src.get(image)?.image !== false)
    bad(`image dir ${image} was not created empty`);
  if (work === undefined || !w.src.has(work)) bad(`work dir ${work} was not created`);
  const rel = opts.get('--parent-path');
  let parent: string | undefined;
  if (rel !== undefined) {
    if (rel.startsWith('/')) bad('runc 1.1 refuses an absolute --parent-path');
    parent = posix.join(image!, rel);
    // CRIU opens the parent, and the parent's own parent link, and so on
    for (let p: string | undefined = parent; p !== undefined; p = w.src.get(p)?.parent) {
      if (w.src.get(p)?.image !== true) bad(`the parent chain is broken: ${p} is no dump`);
    }
  }
  w.src.set(image!, { image: true, parent });
  if (!flags.includes('--leave-running')) w.running = false;
  return {};
}

/** `sh -c 'out=$1; ...' sh FILE PD diff|diff-tracked ...` on the fake source. */
function pagedelta(w: World, file: string, args: readonly string[]): Partial<ExecResult> | undefined {
  const bad = (why: string): never => w.fail(`pagedelta ${argvText(args)}: ${why}`);
  const isDump = (d: string): boolean => w.src.get(d)?.image === true;
  let sent: number;
  if (args[0] === 'diff' && args.length === 3) {
    const [, prev, cur] = args as [string, string, string];
    if (prev !== '-' && !isDump(prev)) bad(`${prev} is no dump`);
    if (!isDump(cur)) bad(`${cur} is no dump`);
    // the real tool dies on a `parent` symlink in CUR_DIR unless it runs diff-tracked
    if (w.src.get(cur)?.parent !== undefined)
      bad(`${cur}/parent: not a regular file (plain diff of a dump with a parent)`);
    sent = prev === '-' ? TOTAL : DIRTY;
  } else if (args[0] === 'diff-tracked' && args.length === 2) {
    const cur = args[1]!;
    if (!isDump(cur)) bad(`${cur} is no dump`);
    sent = w.src.get(cur)?.parent === undefined ? TOTAL : DIRTY;
  } else return undefined;
  if (!file.startsWith(`${S}/delta-`)) bad(`delta file ${file} outside the migration dir`);
  w.srcFiles.add(file);
  return { stderr: `${summary(sent, sent === TOTAL ? 0 : 8)}\n` };
}

/** The source during pre-copy and the final round: mkdir, runc checkpoint, pagedelta, rm of deltas/rounds. */
export function roundsSource(w: World): Respond {
  return (argv) => {
    if (same(argv.slice(0, 4), MKDIR_PREFIX) && argv.length > 4) {
      for (const d of argv.slice(4)) if (!w.src.has(d)) w.src.set(d, { image: false });
      return {};
    }
    if (argv[0] === 'runc') return runc(w, argv);
    if (argv[0] === 'sh' && argv[1] === '-c' && argv[2] === DIFF_SH && argv[3] === 'sh' && argv[5] === PD)
      return pagedelta(w, argv[4]!, argv.slice(6));
    if (argv.length === 4 && argv[0] === 'rm' && argv[1] === '-f' && argv[2] === '--') {
      if (!w.srcFiles.delete(argv[3]!)) w.fail(`rm -f of ${argv[3]}, which was never written`);
      return {};
    }
    if (same(argv.slice(0, 4), ['rm', '-rf', '--one-file-system', '--']) && argv.length === 5) {
      if (!argv[4]!.startsWith(`${S}/rounds/`)) return undefined;
      w.src.delete(argv[4]!);
      return {};
    }
    return undefined;
  };
}

/** The target during pre-copy: only round dirs are removed there (the receiver is the data path). */
export function roundsTarget(w: World): Respond {
  return (argv) => {
    if (argv.length === 5 && same(argv.slice(0, 4), ['rm', '-rf', '--one-file-system', '--'])) {
      if (!argv[4]!.startsWith(`${T}/rounds/`)) return undefined;
      w.tgt.delete(argv[4]!);
      return {};
    }
    return undefined;
  };
}

/** The data path: records `path FILE WORDS...` and behaves like receive.sh on the target. */
export function fakePath(w: World): DataPath {
  return {
    kind: 'direct',
    reason: 'fake',
    directArgv: (words) => w.fail(`unexpected path.directArgv(${argvText(words)})`),
    close: () => w.fail('unexpected path.close()'),
    send: (file, words) => {
      w.log.push(['path', file, ...words]);
      if (!w.srcFiles.has(file)) w.fail(`send of ${file}, which is not on the source`);
      const [kind, n] = words;
      const round = Number(n);
      if (words.length !== 2 || (kind !== 'full' && kind !== 'apply') || !Number.isInteger(round))
        w.fail(`the receiver refuses ${argvText(words)}`);
      if (w.tgt.has(TR(round))) w.fail(`receiver: round ${round} exists`);
      if (kind === 'apply' && !w.tgt.has(TR(round - 1))) w.fail(`receiver: no round ${round - 1}`);
      w.tgt.add(TR(round));
      return Promise.resolve({
        duration: seconds(0.4),
        stderr: `${summary(DIRTY, 0).replace('pagedelta: ', 'pagedelta: applied ')}\n`,
      });
    },
  };
}
