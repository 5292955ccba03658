/**
 * Taking a footprint of the bed's hosts and removing what a trial left (thin I/O). The hosts share this
 * machine's file system and process table (only the network is namespaced, docs/testbed.md), so both are
 * read here directly.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { keyMarkers, withoutKeyLines, type FootprintItem, MIGRATION_ID_IN_TEXT } from './footprint';

/** Where one host keeps what the engine writes. */
export interface HostDirs {
  /** The host's work dir (migration dirs `ferry-<id>`). */
  readonly workDir: string;
  /** The Docker data root (checkpoint dirs under `containers/<id>/checkpoints/`). */
  readonly dataRoot: string;
  /** The authorized_keys file the per-migration key line goes into. */
  readonly authorizedKeysFile: string;
}

/** The shim's temp dir, where pages by reference and containerd's checkpoint copies live. */
const TMP = '/tmp';
const NONCE_FILE = 'ferry-nonce';

const list = (dir: string): string[] => {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
};

function processItems(): FootprintItem[] {
  const out: FootprintItem[] = [];
  for (const name of list('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      if (MIGRATION_ID_IN_TEXT.test(cmd)) out.push({ kind: 'process', pid: Number(name), cmd });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Everything migrations left on `hosts` right now (see footprint.ts). */
export function scanFootprint(hosts: readonly HostDirs[]): FootprintItem[] {
  const out: FootprintItem[] = [];
  for (const h of hosts) {
    for (const n of list(h.workDir).filter((x) => x.startsWith('ferry-')))
      out.push({ kind: 'path', what: 'migration dir', path: path.join(h.workDir, n) });
    const containers = path.join(h.dataRoot, 'containers');
    for (const c of list(containers))
      for (const n of list(path.join(containers, c, 'checkpoints')).filter((x) => x.startsWith('ferry-')))
        out.push({ kind: 'path', what: 'checkpoint dir', path: path.join(containers, c, 'checkpoints', n) });
  }
  for (const n of list(TMP)) {
    if (n.startsWith('ferry-pages-')) out.push({ kind: 'path', what: 'pages dir', path: path.join(TMP, n) });
    if (n.startsWith('ctrd-checkpoint')) {
      let nonce = '';
      try {
        nonce = fs
          .readFileSync(path.join(TMP, n, NONCE_FILE), 'utf8')
          .slice(0, 300)
          .trim();
      } catch {
        continue;
      }
      if (nonce.startsWith('ferry-'))
        out.push({
          kind: 'path',
          what: `containerd checkpoint copy of ${nonce.split('.')[0]}`,
          path: path.join(TMP, n),
        });
    }
  }
  for (const file of [...new Set(hosts.map((h) => h.authorizedKeysFile))]) {
    let text = '';
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const marker of keyMarkers(text)) out.push({ kind: 'key-line', file, marker });
  }
  out.push(...processItems());
  return out;
}

/** Whether `p` lies strictly inside one of `roots`. */
function inside(p: string, roots: readonly string[]): boolean {
  const r = path.resolve(p);
  return roots.some((root) => r.startsWith(`${path.resolve(root)}/`));
}

/**
 * Removes `items` (the campaign's own cleanup between trials, so that one trial's leftovers do not show up
 * in the next): paths only under the hosts' work dirs, data roots and /tmp; key lines by marker; processes
 * only while their command line still names a migration. Returns what could not be removed.
 */
export async function removeItems(
  items: readonly FootprintItem[],
  hosts: readonly HostDirs[],
): Promise<string[]> {
  const failed: string[] = [];
  const roots = [...hosts.flatMap((h) => [h.workDir, h.dataRoot]), TMP];
  const pids: number[] = [];
  for (const i of items) {
    if (i.kind === 'process') {
      pids.push(i.pid);
      continue;
    }
    try {
      if (i.kind === 'path') {
        if (inside(i.path, roots)) fs.rmSync(i.path, { recursive: true, force: true });
        else failed.push(`not removed (outside the bed's dirs): ${i.path}`);
      } else {
        const text = fs.readFileSync(i.file, 'utf8');
        const tmp = `${i.file}.faults-${process.pid}`;
        fs.writeFileSync(tmp, withoutKeyLines(text, [i.marker]), { mode: fs.statSync(i.file).mode & 0o777 });
        fs.renameSync(tmp, i.file);
      }
    } catch (e) {
      failed.push(`${i.kind === 'path' ? i.path : i.marker}: ${(e as Error).message}`);
    }
  }
  const stillOurs = (pid: number): boolean => {
    try {
      return MIGRATION_ID_IN_TEXT.test(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
    } catch {
      return false;
    }
  };
  for (const sig of ['SIGTERM', 'SIGKILL'] as const) {
    for (const pid of pids.filter(stillOurs)) {
      try {
        process.kill(pid, sig);
      } catch {
        // already gone
      }
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  for (const pid of pids.filter(stillOurs)) failed.push(`process ${pid} still runs`);
  return failed;
}
