/**
 * Other users of the bed (thin I/O over /proc): the bed is one per machine, and a fault campaign cuts its
 * link and stops its daemons, so it waits while an integration test run or a `ferry` command that is not its
 * own works on the bed.
 */
import * as fs from 'node:fs';

/** Command lines that mean "someone else is using the bed". */
const FOREIGN = [
  /\bjest\b.*(--selectProjects[ =]integration|\.it\.test)/,
  /\bbin\/ferry (migrate|testbed|run)\b/,
];

function parentOf(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** Whether `pid` is this process or one of its descendants. */
function ours(pid: number): boolean {
  for (let p: number | undefined = pid, n = 0; p !== undefined && p > 1 && n < 64; p = parentOf(p), n++)
    if (p === process.pid) return true;
  return false;
}

/** Command lines of processes, not started by this one, that use the bed. */
export function foreignBedUsers(): string[] {
  const out: string[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let cmd: string;
    try {
      cmd = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
    } catch {
      continue;
    }
    if (FOREIGN.some((re) => re.test(cmd)) && !ours(Number(name))) out.push(`${name}: ${cmd.slice(0, 120)}`);
  }
  return out;
}

/**
 * Waits (polling every 5 s, at most `limitMs`) until nobody else uses the bed.
 * @returns what was still using it when the wait gave up (empty when the bed is free).
 */
export async function waitForQuietBed(say: (line: string) => void, limitMs: number): Promise<string[]> {
  let users = foreignBedUsers();
  if (users.length > 0) say(`faults: the bed is in use, waiting (up to ${limitMs / 60000} min): ${users[0]}`);
  for (const until = Date.now() + limitMs; users.length > 0 && Date.now() < until; users = foreignBedUsers())
    await new Promise((r) => setTimeout(r, 5000));
  return users;
}
