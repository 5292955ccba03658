/** Mounts under the state dir (containers' overlay and shm, netns handles, dockerd's own bind mounts). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tryRun } from './exec';

/** Decodes the octal escapes of /proc/self/mountinfo (`\040` is a space). */
export function unescapeMountPath(p: string): string {
  return p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/**
 * Mount points at or below `dir`, from the text of /proc/self/mountinfo, in the order to unmount them:
 * deepest first, and later mounts before earlier ones at the same path.
 */
export function mountsUnder(mountinfo: string, dir: string): string[] {
  const root = path.resolve(dir);
  const points = mountinfo
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((p): p is string => p !== undefined && p !== '')
    .map(unescapeMountPath)
    .map((p, i) => ({ p, i }))
    .filter(({ p }) => p === root || p.startsWith(`${root}/`));
  points.sort((x, y) => y.p.split('/').length - x.p.split('/').length || y.i - x.i);
  return points.map(({ p }) => p);
}

/**
 * Unmounts everything at or below `dir` (lazily if a plain unmount fails), repeating while mounts remain.
 * @returns mount points that could not be removed.
 */
export async function unmountAllUnder(dir: string): Promise<string[]> {
  for (let round = 0; round < 5; round++) {
    const points = mountsUnder(fs.readFileSync('/proc/self/mountinfo', 'utf8'), dir);
    if (points.length === 0) return [];
    for (const p of points) {
      const r = await tryRun(['umount', p], { timeoutSeconds: 30 });
      if (r.code !== 0) await tryRun(['umount', '-l', p], { timeoutSeconds: 30 });
    }
  }
  return mountsUnder(fs.readFileSync('/proc/self/mountinfo', 'utf8'), dir);
}
