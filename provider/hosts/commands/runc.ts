/**
 * Pure builders of `runc` argument vectors (runc 1.1 flags). Run them with `RemoteShell.exec`/`run`.
 * The Docker Engine's runc state root is `<exec-root>/runtime-runc/moby` (default
 * `/run/docker/runtime-runc/moby`); a container's runc id is its full Docker id.
 */
import { InvalidInput } from '../../errors';
import { absolutePath, containerId, plainWord } from './validate';

/** The runc binary name (found on the host's PATH). */
export const RUNC = 'runc';

/** Options of `runc checkpoint`. Paths are on the host. */
export interface RuncCheckpointOptions {
  /** runc state root (`--root`), e.g. `/run/docker/runtime-runc/moby`. */
  readonly runtimeRoot: string;
  /** The container's runc id (its full Docker id). */
  readonly containerId: string;
  /** Directory CRIU writes the images to (`--image-path`); must exist. */
  readonly imagePath: string;
  /** Directory for CRIU's work files and logs (`--work-path`, dump.log ends up there). */
  readonly workPath: string;
  /** Keep the container running after the dump (`--leave-running`). */
  readonly leaveRunning: boolean;
  /** Checkpoint established TCP connections (`--tcp-established`). */
  readonly tcpEstablished: boolean;
  /**
   * Images of a previous (pre-)dump to dump incrementally against (`--parent-path`), RELATIVE to
   * `imagePath` (e.g. `../1`): runc 1.1 refuses absolute paths and checks that `imagePath/parentPath` is a
   * directory; CRIU links it as `imagePath/parent`. runc then asks CRIU for memory tracking (track-mem),
   * and CRIU writes only the pages dirtied since the parent, the others as PE_PARENT entries. Needs
   * soft-dirty tracking in the kernel (`criu check --feature mem_dirty_track`).
   */
  readonly parentPath?: string;
  /**
   * Only dump memory and keep running (`--pre-dump`; CRIU enforces track-mem, so the next dump with this
   * one as parent sees what was dirtied since). runc 1.1 checks CRIU's MemTrack feature first and fails
   * without soft-dirty tracking.
   */
  readonly preDump?: boolean;
  /** Leave memory pages to be served lazily (`--lazy-pages`, post-copy; needs userfaultfd). */
  readonly lazyPages?: boolean;
  /** `ADDRESS:PORT` of a CRIU page server to send pages to (`--page-server`). */
  readonly pageServer?: string;
  /** Checkpoint external unix sockets (`--ext-unix-sk`). */
  readonly extUnixSk?: boolean;
  /** Allow shell jobs (`--shell-job`), for containers with a TTY. */
  readonly shellJob?: boolean;
  /** Handle file locks (`--file-locks`). */
  readonly fileLocks?: boolean;
  /** Cgroup handling (`--manage-cgroups-mode`). */
  readonly manageCgroupsMode?: 'soft' | 'full' | 'strict';
  /** Deduplicate against the parent's images (`--auto-dedup`). */
  readonly autoDedup?: boolean;
}

/** `runc --root R checkpoint ... <id>`. */
export function runcCheckpointArgv(o: RuncCheckpointOptions): string[] {
  const argv = [RUNC, '--root', absolutePath('runtimeRoot', o.runtimeRoot), 'checkpoint'];
  argv.push('--image-path', absolutePath('imagePath', o.imagePath));
  argv.push('--work-path', absolutePath('workPath', o.workPath));
  if (o.leaveRunning) argv.push('--leave-running');
  if (o.tcpEstablished) argv.push('--tcp-established');
  if (o.parentPath !== undefined) {
    const expected = 'a path relative to imagePath without spaces, e.g. ../1';
    if (o.parentPath.startsWith('/')) throw new InvalidInput('parentPath', o.parentPath, expected);
    argv.push('--parent-path', plainWord('parentPath', o.parentPath, expected));
  }
  if (o.preDump) argv.push('--pre-dump');
  if (o.lazyPages) argv.push('--lazy-pages');
  if (o.pageServer !== undefined) {
    if (!/^[A-Za-z0-9.:[\]-]+:\d{1,5}$/.test(o.pageServer)) {
      throw new InvalidInput('pageServer', o.pageServer, 'ADDRESS:PORT');
    }
    argv.push('--page-server', o.pageServer);
  }
  if (o.extUnixSk) argv.push('--ext-unix-sk');
  if (o.shellJob) argv.push('--shell-job');
  if (o.fileLocks) argv.push('--file-locks');
  if (o.manageCgroupsMode) argv.push('--manage-cgroups-mode', o.manageCgroupsMode);
  if (o.autoDedup) argv.push('--auto-dedup');
  argv.push(containerId('containerId', o.containerId));
  return argv;
}

/** `runc --root R state <id>`: prints JSON with `status` (`running`, `paused`, ...) and `pid`. */
export function runcStateArgv(runtimeRoot: string, id: string): string[] {
  return [RUNC, '--root', absolutePath('runtimeRoot', runtimeRoot), 'state', containerId('containerId', id)];
}

/** `runc --root R list --format json`: every container runc knows under that root. */
export function runcListArgv(runtimeRoot: string): string[] {
  return [RUNC, '--root', absolutePath('runtimeRoot', runtimeRoot), 'list', '--format', 'json'];
}

/** `runc --version` (first line `runc version 1.1.5...`). */
export function runcVersionArgv(): string[] {
  return [RUNC, '--version'];
}

/** What `runc state` prints (the fields Ferry reads). */
export interface RuncState {
  /** `created`, `running`, `paused`, `stopped`. */
  readonly status: string;
  /** Host PID of the container's init (0 when stopped). */
  readonly pid: number;
}

/** Parses `runc state` output. @throws InvalidInput when it is not the expected JSON. */
export function parseRuncState(stdout: string): RuncState {
  let raw: unknown;
  try {
    raw = JSON.parse(stdout);
  } catch {
    throw new InvalidInput('runc state output', stdout.slice(0, 200), 'JSON from runc state');
  }
  const r = raw as { status?: unknown; pid?: unknown };
  if (typeof r.status !== 'string' || typeof r.pid !== 'number') {
    throw new InvalidInput(
      'runc state output',
      stdout.slice(0, 200),
      'JSON with string status and numeric pid',
    );
  }
  return { status: r.status, pid: r.pid };
}
