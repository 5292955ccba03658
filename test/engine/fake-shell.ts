/**
 * Strict scripted fakes of both hosts (shell and engine) and of the clock, as one recorded `World`, for
 * the tests that drive the REAL `precopy()`, `finalRound()` and `rollBack()` (precopy-tracked,
 * final-round-tracked and rollback-flatten). This machine has no soft-dirty tracking, so the tracked path
 * cannot run end to end here: these tests pin the commands it issues instead.
 *
 * The fakes record every command and answer only the shapes the engine is expected to issue. Anything
 * else is recorded in `World.problems` AND thrown with its argv: some engine steps swallow errors (best
 * effort removals), so every test also asserts that `problems` is empty. The model of what the hosts hold
 * and of what each command needs is in fake-hosts.ts.
 */
import type { HostConfig } from '../../provider/config/clusters';
import type { Clock } from '../../provider/engine/types';
import type { ConnectedHost } from '../../provider/hosts/connect';
import type { ContainerRuntime, ContainerState } from '../../provider/hosts/container-runtime';
import type { ExecResult, RemoteShell } from '../../provider/hosts/remote-shell';
import { seconds } from '../../provider/units';

export const ID = '5e'.repeat(32);
export const NAME = 'ferry-m1';
export const S = '/w/ferry-m1';
export const T = '/v/ferry-m1';
export const PD = '/w/ferry-m1/bin/pagedelta';
export const RUNTIME_ROOT = '/run/docker/runtime-runc/moby';
export const CK = `/var/lib/docker/containers/${ID}/checkpoints/${NAME}`;
export const DIFF_SH = 'umask 077; out=$1; shift; exec "$@" > "$out"';
export const R = (n: number): string => `${S}/rounds/${n}`;
/** `mkdirArgv` without its paths (hosts/commands/files.ts). */
export const MKDIR_PREFIX = ['sh', '-c', 'umask 077 && exec mkdir -p -- "$@"', 'sh'];
export const TR = (n: number): string => `${T}/rounds/${n}`;

/** Pages of the fake container (256 MiB) and pages dirtied between two rounds. */
export const TOTAL = 65536;
export const DIRTY = 1800;

/** One recorded step: who (`src`, `tgt`, `path`, `src-engine`, `tgt-engine`, `frozen`), then its argv. */
export type Entry = readonly string[];

/** A directory on the fake source: `image` once a dump was written into it, `parent` its resolved parent. */
export interface Dir {
  readonly image: boolean;
  readonly parent?: string;
}

/** Both hosts, the data path and the clock, as one recorded world. */
export class World {
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

export const argvText = (argv: readonly string[]): string => JSON.stringify(argv);
export const same = (a: readonly string[], b: readonly string[]): boolean => argvText(a) === argvText(b);

export type Respond = (argv: readonly string[]) => Partial<ExecResult> | undefined;

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

export function fakeHost(
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

/** Log entries, as the fakes record them. */
export const src = (...argv: string[]): Entry => ['src', ...argv];
export const tgt = (...argv: string[]): Entry => ['tgt', ...argv];
export const runcArgv = (image: string, work: string, flags: readonly string[]): Entry =>
  src('runc', '--root', RUNTIME_ROOT, 'checkpoint', '--image-path', image, '--work-path', work, ...flags, ID);
export const diffArgv = (file: string, ...pd: string[]): Entry =>
  src('sh', '-c', DIFF_SH, 'sh', file, PD, ...pd);

/** The prefix of this migration's pages dirs (a random nonce follows). */
export const PAGES_PREFIX = `/tmp/ferry-pages-${NAME}-${ID.slice(0, 12)}-`;

/** The pages dir named in `argv` (the last argument starting with {@link PAGES_PREFIX}), if any. */
export function pagesDirIn(argv: readonly string[]): string | undefined {
  return [...argv]
    .reverse()
    .find((a) => a.startsWith(PAGES_PREFIX) && /^[0-9a-f]{8,}$/.test(a.slice(PAGES_PREFIX.length)));
}

/** An entry with its pages dir (random) replaced by `<pages>`, for comparisons. */
export function withPagesPlaceholder(e: Entry): Entry {
  return e.map((a) => (a === pagesDirIn(e) ? '<pages>' : a));
}
