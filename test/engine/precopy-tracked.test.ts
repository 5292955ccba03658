/**
 * Tracked (soft-dirty) versus untracked pre-copy, driven through the REAL `precopy()`, `finalRound()` and
 * `rollBack()` against strict scripted fakes of both hosts (shell and engine), of the data path and of
 * the clock. This machine has no soft-dirty tracking, so the tracked path cannot run end to end here:
 * these tests pin the commands it issues instead.
 *
 * The fakes record every command and answer only the shapes the engine is expected to issue. Anything
 * else is recorded in `World.problems` AND thrown with its argv: some engine steps swallow errors (best
 * effort removals), so every test also asserts that `problems` is empty. On top of the exact command
 * sequence, the fakes keep a tiny model of both hosts, so that what a command needs is checked too:
 * runc's `--parent-path` must resolve to an existing dump whose whole parent chain still exists (CRIU
 * follows it), `pagedelta diff` refuses a dump with a `parent` link (as the real tool does), a delta file
 * must exist to be sent, and the target's receiver needs round N-1 for `apply N` (as receive.sh does).
 */
import { posix } from 'node:path';
import { Readable } from 'node:stream';
import type { HostConfig } from '../../provider/config/clusters';
import { removeAuthorizedKeyArgv } from '../../provider/engine/data-path-commands';
import type { DataPath } from '../../provider/engine/data-path';
import { finalRound } from '../../provider/engine/final-round';
import { precopy } from '../../provider/engine/precopy';
import { removeCtrdCopiesOfArgv } from '../../provider/engine/remote';
import { NONCE_FILE, pagesByReferenceArgv, pagesDirFor } from '../../provider/engine/restore';
import { rollBack } from '../../provider/engine/rollback';
import { ruleDecider } from '../../provider/engine/round-deciders';
import { flattenImagesArgv } from '../../provider/engine/rounds';
import type { Clock, ProgressEvent } from '../../provider/engine/types';
import type { ConnectedHost } from '../../provider/hosts/connect';
import type {
  ContainerInfo,
  ContainerRuntime,
  ContainerState,
  PathArchive,
} from '../../provider/hosts/container-runtime';
import type { ExecResult, RemoteShell } from '../../provider/hosts/remote-shell';
import type { StopRule } from '../../provider/model';
import { bytes, bytesPerSecond, seconds } from '../../provider/units';

const ID = '5e'.repeat(32);
const NAME = 'ferry-m1';
const S = '/w/ferry-m1';
const T = '/v/ferry-m1';
const PD = '/w/ferry-m1/bin/pagedelta';
const RUNTIME_ROOT = '/run/docker/runtime-runc/moby';
const CK = `/var/lib/docker/containers/${ID}/checkpoints/${NAME}`;
const DIFF_SH = 'out=$1; shift; exec "$@" > "$out"';
const R = (n: number): string => `${S}/rounds/${n}`;
const TR = (n: number): string => `${T}/rounds/${n}`;

/** Pages of the fake container (256 MiB) and pages dirtied between two rounds. */
const TOTAL = 65536;
const DIRTY = 1800;

/** One recorded step: who (`src`, `tgt`, `path`, `src-engine`, `tgt-engine`, `frozen`), then its argv. */
type Entry = readonly string[];

/** A directory on the fake source: `image` once a dump was written into it, `parent` its resolved parent. */
interface Dir {
  readonly image: boolean;
  readonly parent?: string;
}

/** Both hosts, the data path and the clock, as one recorded world. */
class World {
  readonly log: Entry[] = [];
  readonly problems: string[] = [];
  /** Directories on the source. */
  readonly src = new Map<string, Dir>();
  /** Plain files on the source (delta files). */
  readonly srcFiles = new Set<string>();
  /** Complete round dirs on the target (what the receiver built). */
  readonly tgt = new Set<string>();
  /** The source container runs (a dump without --leave-running stops it). */
  running = true;
  /** The source container's engine state (rollback). */
  engineState: ContainerState = 'running';
  private t = 0;
  readonly clock: Clock = {
    now: () => seconds((this.t += 0.25)),
    wall: () => this.fail('clock.wall()'),
    sleep: (d) => this.fail(`clock.sleep(${d})`),
  };

  /** Records `what` as a problem and throws it (fail loudly, also where the engine swallows errors). */
  fail(what: string): never {
    this.problems.push(what);
    throw new Error(`fake host: ${what}`);
  }

  /** Seeds a chain of dumps on the source, each (but the first) with the previous one as parent. */
  seedChain(dirs: readonly string[], linked: boolean): void {
    dirs.forEach((d, k) =>
      this.src.set(d, { image: true, parent: linked && k > 0 ? dirs[k - 1] : undefined }),
    );
  }
}

const argvText = (argv: readonly string[]): string => JSON.stringify(argv);
const same = (a: readonly string[], b: readonly string[]): boolean => argvText(a) === argvText(b);

type Respond = (argv: readonly string[]) => Partial<ExecResult> | undefined;

/** A shell that records every argv and answers with `respond`; `undefined` from it means unexpected. */
function fakeShell(w: World, who: string, respond: Respond): RemoteShell {
  return {
    exec: (argv) => {
      w.log.push([who, ...argv]);
      const r = respond(argv);
      if (r === undefined) return w.fail(`unexpected command on ${who}: ${argvText(argv)}`);
      return Promise.resolve({ exitCode: 0, stdout: Buffer.alloc(0), stderr: '', ...r });
    },
    spawn: (argv) => w.fail(`unexpected spawn on ${who}: ${argvText(argv)}`),
    openUnixSocket: (p) => w.fail(`unexpected openUnixSocket on ${who}: ${p}`),
    describe: () => who,
    close: () => w.fail(`unexpected close of ${who}`),
    [Symbol.asyncDispose]: () => w.fail(`unexpected dispose of ${who}`),
  };
}

/** An engine that implements only `impl`; any other method records a problem and throws. */
function fakeRuntime(w: World, who: string, impl: Partial<ContainerRuntime>): ContainerRuntime {
  return new Proxy(impl, {
    get(target, prop): unknown {
      if (typeof prop === 'symbol' || prop === 'then') return undefined;
      if (prop in target) return target[prop as keyof ContainerRuntime];
      return (...args: unknown[]) =>
        w.fail(`unexpected engine call ${who}.${prop}(${args.map((a) => typeof a).join(', ')})`);
    },
  }) as ContainerRuntime;
}

function hostConfig(name: string, workDir: string): HostConfig {
  return {
    name,
    address: '192.0.2.10',
    port: 22,
    user: 'ferry',
    hostKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFerryFakeHostKey',
    dockerSocket: '/run/docker.sock',
    workDir,
  };
}

function fakeHost(
  w: World,
  who: 'src' | 'tgt',
  respond: Respond,
  runtime: Partial<ContainerRuntime> = {},
): ConnectedHost {
  return {
    shell: fakeShell(w, who, respond),
    runtime: fakeRuntime(w, `${who}-engine`, runtime),
    config: hostConfig(who === 'src' ? 'host-1' : 'host-2', who === 'src' ? '/w' : '/v'),
    close: () => w.fail(`unexpected close of host ${who}`),
    [Symbol.asyncDispose]: () => w.fail(`unexpected dispose of host ${who}`),
  };
}

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
function roundsSource(w: World): Respond {
  return (argv) => {
    if (argv[0] === 'mkdir' && argv[1] === '-p' && argv[2] === '--' && argv.length > 3) {
      for (const d of argv.slice(3)) if (!w.src.has(d)) w.src.set(d, { image: false });
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
function roundsTarget(w: World): Respond {
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
function fakePath(w: World): DataPath {
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

/** Stops after `n` rounds: the test decides how many pre-copy rounds run. */
function stopAfter(n: number): StopRule {
  return {
    name: `stop after ${n}`,
    decide: (h) => ({
      stop: h.length >= n,
      reason: h.length >= n ? `${n} rounds done` : `round ${h.length}`,
    }),
  };
}

const src = (...argv: string[]): Entry => ['src', ...argv];
const tgt = (...argv: string[]): Entry => ['tgt', ...argv];
const runcArgv = (image: string, work: string, flags: readonly string[]): Entry =>
  src('runc', '--root', RUNTIME_ROOT, 'checkpoint', '--image-path', image, '--work-path', work, ...flags, ID);
const diffArgv = (file: string, ...pd: string[]): Entry => src('sh', '-c', DIFF_SH, 'sh', file, PD, ...pd);

/**
 * The whole command sequence of pre-copy from round `first`, `n` rounds, as the spec states it: round 1
 * sends `first` whole (`diff -`); every later round is a `--leave-running` checkpoint (tracked: a
 * `--pre-dump` with the previous round as `--parent-path`), then its delta (tracked: `diff-tracked CUR`,
 * else `diff PREV CUR`), the send (`full`, then `apply`), the delta's removal, the previous round's removal
 * on the source (untracked only) and on the target.
 */
function expectedPrecopyLog(tracked: boolean, first: number, n: number): Entry[] {
  const log: Entry[] = [];
  for (let k = 0; k < n; k++) {
    const i = first + k;
    if (k > 0) {
      const work = `${S}/work-${i}`;
      const incremental = tracked ? ['--parent-path', `../${i - 1}`, '--pre-dump'] : [];
      log.push(src('mkdir', '-p', '--', R(i), work));
      log.push(runcArgv(R(i), work, ['--leave-running', ...incremental, '--file-locks']));
    }
    const file = `${S}/delta-${i}`;
    log.push(
      k === 0
        ? diffArgv(file, 'diff', '-', R(i))
        : tracked
          ? diffArgv(file, 'diff-tracked', R(i))
          : diffArgv(file, 'diff', R(i - 1), R(i)),
    );
    log.push(['path', file, k === 0 ? 'full' : 'apply', String(i)]);
    log.push(src('rm', '-f', '--', file));
    if (k > 0 && !tracked) log.push(src('rm', '-rf', '--one-file-system', '--', R(i - 1)));
    if (i > 0) log.push(tgt('rm', '-rf', '--one-file-system', '--', TR(i - 1)));
  }
  return log;
}

/** The commands that matter, picked out of a log. */
function picked(log: readonly Entry[]) {
  const shell = (who: string) => log.filter((e) => e[0] === who).map((e) => e.slice(1));
  return {
    /** runc's flags between the id-less prefix and the container id. */
    runc: shell('src')
      .filter((a) => a[0] === 'runc')
      .map((a) => a.slice(4, -1)),
    /** pagedelta's mode and directories. */
    pagedelta: shell('src')
      .filter((a) => a[2] === DIFF_SH)
      .map((a) => a.slice(6)),
    /** Round dirs removed on the source. */
    removedOnSource: shell('src')
      .filter((a) => a[1] === '-rf')
      .map((a) => a.at(-1)!),
    /** What the target's receiver was sent. */
    sends: shell('path'),
  };
}

interface PrecopyCase {
  readonly tracked: boolean;
  readonly first: number;
  readonly rounds: number;
  readonly runc: readonly (readonly string[])[];
  readonly pagedelta: readonly (readonly string[])[];
  readonly removedOnSource: readonly string[];
  readonly sends: readonly (readonly string[])[];
  /** Dumps left on the source at the end. */
  readonly keptOnSource: readonly string[];
}

const w1 = `${S}/work-1`;
const w2 = `${S}/work-2`;

describe('precopy: tracked vs untracked rounds', () => {
  it.each<[string, PrecopyCase]>([
    [
      'untracked, 1 round',
      {
        tracked: false,
        first: 0,
        rounds: 1,
        runc: [],
        pagedelta: [['diff', '-', R(0)]],
        removedOnSource: [],
        sends: [[`${S}/delta-0`, 'full', '0']],
        keptOnSource: [R(0)],
      },
    ],
    [
      'tracked, 1 round (the first round is the same: nothing to track against)',
      {
        tracked: true,
        first: 0,
        rounds: 1,
        runc: [],
        pagedelta: [['diff', '-', R(0)]],
        removedOnSource: [],
        sends: [[`${S}/delta-0`, 'full', '0']],
        keptOnSource: [R(0)],
      },
    ],
    [
      'untracked, 3 rounds',
      {
        tracked: false,
        first: 0,
        rounds: 3,
        runc: [
          ['--image-path', R(1), '--work-path', w1, '--leave-running', '--file-locks'],
          ['--image-path', R(2), '--work-path', w2, '--leave-running', '--file-locks'],
        ],
        pagedelta: [
          ['diff', '-', R(0)],
          ['diff', R(0), R(1)],
          ['diff', R(1), R(2)],
        ],
        removedOnSource: [R(0), R(1)],
        sends: [
          [`${S}/delta-0`, 'full', '0'],
          [`${S}/delta-1`, 'apply', '1'],
          [`${S}/delta-2`, 'apply', '2'],
        ],
        keptOnSource: [R(2)],
      },
    ],
    [
      'tracked, 3 rounds',
      {
        tracked: true,
        first: 0,
        rounds: 3,
        runc: [
          [
            ...['--image-path', R(1), '--work-path', w1, '--leave-running'],
            ...['--parent-path', '../0', '--pre-dump', '--file-locks'],
          ],
          [
            ...['--image-path', R(2), '--work-path', w2, '--leave-running'],
            ...['--parent-path', '../1', '--pre-dump', '--file-locks'],
          ],
        ],
        pagedelta: [
          ['diff', '-', R(0)],
          ['diff-tracked', R(1)],
          ['diff-tracked', R(2)],
        ],
        removedOnSource: [],
        sends: [
          [`${S}/delta-0`, 'full', '0'],
          [`${S}/delta-1`, 'apply', '1'],
          [`${S}/delta-2`, 'apply', '2'],
        ],
        keptOnSource: [R(0), R(1), R(2)],
      },
    ],
    [
      'tracked, 2 rounds from measurement round 1 (planned path keeps rounds/1)',
      {
        tracked: true,
        first: 1,
        rounds: 2,
        runc: [
          [
            ...['--image-path', R(2), '--work-path', w2, '--leave-running'],
            ...['--parent-path', '../1', '--pre-dump', '--file-locks'],
          ],
        ],
        pagedelta: [
          ['diff', '-', R(1)],
          ['diff-tracked', R(2)],
        ],
        removedOnSource: [],
        sends: [
          [`${S}/delta-1`, 'full', '1'],
          [`${S}/delta-2`, 'apply', '2'],
        ],
        keptOnSource: [R(1), R(2)],
      },
    ],
  ])('%s', async (_name, c) => {
    const w = new World();
    // the first round: a checkpoint already taken (a pre-dump without parent in tracked mode)
    w.seedChain([R(c.first)], false);
    const events: ProgressEvent[] = [];
    const r = await precopy({
      source: fakeHost(w, 'src', roundsSource(w)),
      target: fakeHost(w, 'tgt', roundsTarget(w)),
      containerId: ID,
      sourceDir: S,
      targetDir: T,
      pagedelta: PD,
      path: fakePath(w),
      first: { dir: R(c.first), freeze: seconds(0.3), startedAt: seconds(0), index: c.first },
      decider: ruleDecider(stopAfter(c.rounds), bytesPerSecond(125_000)),
      dirtyTracking: c.tracked,
      memory: bytes(TOTAL * 4096),
      rtt: seconds(0.05),
      startedAt: seconds(0),
      deadline: seconds(1e6),
      predictedTotal: undefined,
      clock: w.clock,
      log: (e) => events.push(e),
      hooks: undefined,
      runningOn: 'cluster-a/host-1',
    });

    expect(w.problems).toEqual([]);
    // the commands that matter, literally
    expect(picked(w.log)).toEqual({
      runc: c.runc,
      pagedelta: c.pagedelta,
      removedOnSource: c.removedOnSource,
      sends: c.sends,
    });
    // and the whole sequence, nothing else issued
    expect(w.log).toEqual(expectedPrecopyLog(c.tracked, c.first, c.rounds));

    const lastIndex = c.first + c.rounds - 1;
    expect(r.last).toEqual({ index: lastIndex, dir: R(lastIndex) });
    expect(r.rounds.map((x) => [x.index, x.pagesSent])).toEqual(
      Array.from({ length: c.rounds }, (_, k) => [c.first + k, k === 0 ? TOTAL : DIRTY]),
    );
    expect(r.decision.action).toBe('switch-over');
    expect(events.map((e) => e.round)).toEqual(Array.from({ length: c.rounds }, (_, k) => k + 1));
    // what is left: tracked keeps the chain on the source; the target holds only the last round
    expect([...w.src].filter(([, d]) => d.image).map(([p]) => p)).toEqual(c.keptOnSource);
    expect([...w.tgt]).toEqual([TR(lastIndex)]);
    expect(w.srcFiles.size).toBe(0);
    expect(w.running).toBe(true);
  });
});

interface FinalCase {
  readonly tracked: boolean;
  readonly last: { readonly index: number; readonly dir: string } | undefined;
  /** Dumps on the source before the final round (tracked: the chain pre-copy kept). */
  readonly chain: readonly string[];
  readonly runcExtra: readonly string[];
  readonly pagedelta: readonly string[];
  readonly send: readonly string[];
}

describe('finalRound: the last dump and its delta', () => {
  const CONTAINER: ContainerInfo = {
    id: ID,
    name: 'dirtier',
    image: 'ferry/dirtier:latest',
    imageId: `sha256:${'ab'.repeat(32)}`,
    state: 'running',
    pid: 4242,
    exitCode: 0,
    created: '2024-01-01T00:00:00Z',
    startedAt: '2024-01-01T00:00:01Z',
    labels: {},
    mounts: [],
    graphDriver: { name: 'overlay2', data: {} },
    spec: { image: 'ferry/dirtier:latest' },
  };

  it.each<[string, FinalCase]>([
    [
      'tracked, after 4 pre-copy rounds: a full dump with last as parent, sent with diff-tracked',
      {
        tracked: true,
        last: { index: 3, dir: R(3) },
        chain: [R(0), R(1), R(2), R(3)],
        runcExtra: ['--parent-path', '../../../../../../../w/ferry-m1/rounds/3'],
        pagedelta: ['diff-tracked', CK],
        send: ['apply', '4'],
      },
    ],
    [
      'tracked, stop-and-copy (no last): a plain full dump sent whole',
      {
        tracked: true,
        last: undefined,
        chain: [],
        runcExtra: [],
        pagedelta: ['diff', '-', CK],
        send: ['full', '1'],
      },
    ],
    [
      'untracked, after pre-copy: a plain dump diffed against last',
      {
        tracked: false,
        last: { index: 3, dir: R(3) },
        chain: [R(3)],
        runcExtra: [],
        pagedelta: ['diff', R(3), CK],
        send: ['apply', '4'],
      },
    ],
  ])('%s', async (_name, c) => {
    const w = new World();
    w.seedChain(c.chain, c.tracked);
    if (c.last !== undefined) w.tgt.add(TR(c.last.index));
    const source = fakeHost(w, 'src', roundsSource(w), {
      changes: (id) => {
        w.log.push(['src-engine', 'changes', id]);
        return Promise.resolve([{ kind: 'added', path: '/data/state.db' }]);
      },
      exportPaths: (id, paths) => {
        w.log.push(['src-engine', 'exportPaths', id, ...paths]);
        return (async function* (): AsyncGenerator<PathArchive> {
          for (const p of paths)
            yield { path: p, parentDir: posix.dirname(p), tar: Readable.from([Buffer.from(`tar:${p}`)]) };
        })();
      },
    });
    const target = fakeHost(w, 'tgt', roundsTarget(w), {
      putArchive: async (id, dir, tar) => {
        const chunks: Buffer[] = [];
        for await (const chunk of tar) chunks.push(chunk as Buffer);
        w.log.push(['tgt-engine', 'putArchive', id, dir, Buffer.concat(chunks).toString()]);
      },
    });

    const r = await finalRound({
      source,
      target,
      container: CONTAINER,
      targetId: 'target-id',
      checkpointName: NAME,
      sourceDir: S,
      targetDir: T,
      pagedelta: PD,
      path: fakePath(w),
      last: c.last,
      dirtyTracking: c.tracked,
      memory: bytes(TOTAL * 4096),
      bandwidth: bytesPerSecond(12_500_000),
      rtt: seconds(0.05),
      onFrozen: async () => {
        w.log.push(['frozen']);
      },
      clock: w.clock,
      hooks: undefined,
      sourceLabel: 'cluster-a/host-1',
    });

    expect(w.problems).toEqual([]);
    const file = `${S}/delta-final`;
    // sequential part: no --leave-running, no --pre-dump; the container stops here
    expect(w.log.slice(0, 4)).toEqual([
      src('mkdir', '-p', '--', CK, `${S}/work-final`),
      runcArgv(CK, `${S}/work-final`, [...c.runcExtra, '--file-locks']),
      ['frozen'],
      diffArgv(file, ...c.pagedelta),
    ]);
    // then the delta and the root file-system changes, in parallel (order within each only)
    const rest = w.log.slice(4);
    expect(rest.filter((e) => e[0] === 'src' || e[0] === 'path')).toEqual([
      ['path', file, ...c.send],
      src('rm', '-f', '--', file),
    ]);
    expect(rest.filter((e) => e[0] === 'src-engine' || e[0] === 'tgt-engine')).toEqual([
      ['src-engine', 'changes', ID],
      ['src-engine', 'exportPaths', ID, '/data/state.db'],
      ['tgt-engine', 'putArchive', 'target-id', '/data', 'tar:/data/state.db'],
    ]);
    expect(rest).toHaveLength(5);

    expect(w.running).toBe(false);
    const index = (c.last?.index ?? 0) + 1;
    expect(r.round).toMatchObject({ index, kind: 'final' });
    expect(r.sourceImageDir).toBe(CK);
    expect(r.targetImageDir).toBe(TR(index));
    expect(w.tgt.has(TR(index))).toBe(true);
    expect(r.rootfs.plan).toEqual({ copy: ['/data/state.db'], remove: [] });
    // tracked: the final dump's parent link points into the kept chain
    expect(w.src.get(CK)?.parent).toBe(c.tracked ? c.last?.dir : undefined);
  });
});

describe('rollBack: a tracked final dump is flattened before the source restores it', () => {
  const pagesDir = pagesDirFor(NAME, ID);
  const place = (argv: readonly string[]): boolean =>
    argv.length === 7 &&
    same(argv.slice(0, 2), ['sh', '-c']) &&
    argv[2]!.endsWith(`> "$2/${NONCE_FILE}"`) &&
    same(argv.slice(3, 6), ['sh', '-', CK]) &&
    argv[6]!.startsWith(`${NAME}.`);
  const ctrd = removeCtrdCopiesOfArgv(NAME, NONCE_FILE);

  it.each<[string, boolean, string | undefined, ContainerState, boolean]>([
    ['frozen, tracked final dump with sourcePagedelta', true, PD, 'exited', true],
    [
      'frozen, without sourcePagedelta (untracked): restored without flatten',
      true,
      undefined,
      'exited',
      true,
    ],
    ['not frozen, the container still runs: no restore, no flatten', false, PD, 'running', false],
  ])('%s', async (_name, frozen, sourcePagedelta, state, restores) => {
    const w = new World();
    w.engineState = state;
    // the final dump in the container's own checkpoint dir; tracked: with a parent link into the chain
    w.seedChain([R(0), R(1)], true);
    w.src.set(CK, { image: true, parent: sourcePagedelta === undefined ? undefined : R(1) });
    const flatten = flattenImagesArgv(PD, CK);

    const source = fakeHost(
      w,
      'src',
      (argv) => {
        if (same(argv, ['test', '-f', `${CK}/inventory.img`])) return {};
        if (same(argv, flatten)) {
          // its effect: the dir becomes complete in place, without a parent link
          w.src.set(CK, { image: true });
          return {};
        }
        if (same(argv, pagesByReferenceArgv(CK, pagesDir))) return {};
        if (place(argv)) return {};
        if (same(argv, ['rm', '-rf', '--', pagesDir])) return {};
        if (same(argv, ['rm', '-rf', '--one-file-system', '--', CK])) return {};
        if (same(argv, ['rm', '-rf', '--one-file-system', '--', S])) return {};
        if (same(argv, ctrd)) return {};
        return undefined;
      },
      {
        inspect: (id) => {
          w.log.push(['src-engine', 'inspect', id]);
          return Promise.resolve({ id: ID, state: w.engineState } as ContainerInfo);
        },
        start: (id, opts) => {
          w.log.push(['src-engine', 'start', id, String(opts?.checkpoint)]);
          // the engine copies the dir: a relative parent link would dangle in the copy
          if (w.src.get(CK)?.parent !== undefined) w.fail('restore of a dump that still has a parent link');
          w.engineState = 'running';
          return Promise.resolve();
        },
      },
    );
    const target = fakeHost(
      w,
      'tgt',
      (argv) => {
        if (same(argv, ['rm', '-rf', '--one-file-system', '--', T])) return {};
        if (same(argv, removeAuthorizedKeyArgv('.ssh/authorized_keys', 'ferry-migration-m1'))) return {};
        if (same(argv, ctrd)) return {};
        return undefined;
      },
      {
        list: (filter) => {
          w.log.push(['tgt-engine', 'list', JSON.stringify(filter)]);
          return Promise.resolve([]);
        },
      },
    );

    const r = await rollBack(
      {
        migrationId: 'm1',
        source,
        target,
        sourceId: ID,
        checkpointName: NAME,
        sourceDir: S,
        targetDir: T,
        authorizedKeysFile: '.ssh/authorized_keys',
        ...(sourcePagedelta === undefined ? {} : { sourcePagedelta }),
      },
      frozen,
      bytes(TOTAL * 4096),
      w.clock,
    );

    expect(w.problems).toEqual([]);
    expect(r).toEqual({ restoredOnSource: restores, notes: [] });
    const flattens = w.log.filter((e) => e[0] === 'src' && same(e.slice(1), flatten));
    expect(flattens).toHaveLength(sourcePagedelta !== undefined && restores ? 1 : 0);
    // the flatten script: binary and dir as arguments (its text is pinned in rounds.test.ts)
    expect(flatten.slice(3)).toEqual(['sh', PD, CK]);
    expect(flatten[2]).toContain('diff-tracked');

    // from the image check to the removal of the checkpoint dir: the restore, with the flatten first
    const nonce = (e: Entry): Entry =>
      e[0] === 'src' && place(e.slice(1)) ? [...e.slice(0, -1), '<nonce>'] : e;
    const from = w.log.findIndex((e) => same(e, src('test', '-f', `${CK}/inventory.img`)));
    const to = w.log.findIndex((e) => same(e, src('rm', '-rf', '--one-file-system', '--', CK)));
    expect(w.log.slice(from, to).map(nonce)).toEqual(
      restores
        ? [
            src('test', '-f', `${CK}/inventory.img`),
            ['src-engine', 'inspect', ID], // waits until the engine sees it stopped
            ...flattens,
            src(...pagesByReferenceArgv(CK, pagesDir)),
            src('sh', '-c', `printf "%s\\n" "$3" > "$2/${NONCE_FILE}"`, 'sh', '-', CK, '<nonce>'),
            ['src-engine', 'start', ID, NAME],
            src('rm', '-rf', '--', pagesDir),
            ['src-engine', 'inspect', ID],
          ]
        : [src('test', '-f', `${CK}/inventory.img`)],
    );
    expect(w.engineState).toBe('running');
  });
});
