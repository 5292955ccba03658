/**
 * The full-disk fault (thin I/O): a small tmpfs mounted over the target host's work dir for one trial (the
 * hosts share this machine's mount table, so the target's engine and sshd see it), or over the controller's
 * `~/.ferry` (its journal dir), then filled with `fallocate` to leave a drawn number of MiB free (none on
 * the controller) once the migration is under way. Only that tmpfs fills up;
 * the machine's own disk is never touched. Undone by removing the filler, then unmounting.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { run, tryRun } from '../exec';

/** The tmpfs's device name in the mount table: how the campaign recognises its own mounts. */
export const DISK_DEVICE = 'ferry-faults-disk';

/** A mounted work dir. */
export interface DiskFault {
  /** The work dir the tmpfs covers. */
  readonly workDir: string;
  /** Removes the filler (the disk is no longer full). */
  unfill(): Promise<void>;
  /** Unmounts the tmpfs (lazily when busy); resolves notes. */
  unmount(): Promise<string[]>;
}

const MIB = 1024 * 1024;
const fillerOf = (workDir: string): string => path.join(workDir, '.ferry-faults-filler');

/** Work dirs the campaign's tmpfs is mounted on (from /proc/mounts). */
export function mountedDisks(): string[] {
  try {
    return fs
      .readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((l) => l.split(' '))
      .filter((f) => f[0] === DISK_DEVICE && f[2] === 'tmpfs')
      .map((f) => f[1]!.replace(/\\040/g, ' '));
  } catch {
    return [];
  }
}

/** Unmounts `dir` (lazily when busy); resolves notes of what failed. */
export async function unmountDisk(dir: string): Promise<string[]> {
  if (!mountedDisks().includes(dir)) return [];
  const r = await tryRun(['umount', dir], { timeoutSeconds: 30 });
  if (r.code === 0) return [];
  const lazy = await tryRun(['umount', '-l', dir], { timeoutSeconds: 30 });
  return lazy.code === 0 ? [`${dir} was busy: unmounted lazily`] : [`umount ${dir}: ${lazy.stderr.trim()}`];
}

/**
 * Mounts a tmpfs of `sizeMib` MiB over `workDir`.
 * @throws CommandFailed when mount refuses (the trial then notes the fault as not feasible here).
 */
export async function mountDisk(workDir: string, sizeMib: number): Promise<DiskFault> {
  fs.mkdirSync(workDir, { recursive: true });
  await run(['mount', '-t', 'tmpfs', '-o', `size=${sizeMib}m,mode=0755`, DISK_DEVICE, workDir], {
    timeoutSeconds: 30,
  });
  return {
    workDir,
    async unfill() {
      fs.rmSync(fillerOf(workDir), { force: true });
    },
    unmount: () => unmountDisk(workDir),
  };
}

/** Fills the mounted work dir up to `freeMib` MiB left; resolves what was done. */
export async function fillDisk(d: DiskFault, freeMib: number): Promise<string> {
  const st = fs.statfsSync(d.workDir);
  const free = st.bavail * st.bsize;
  const fill = Math.max(0, free - freeMib * MIB);
  if (fill > 0) await run(['fallocate', '-l', String(fill), fillerOf(d.workDir)], { timeoutSeconds: 30 });
  return `${d.workDir} filled: ${(fill / MIB).toFixed(0)} MiB taken, ${freeMib} MiB left free`;
}
