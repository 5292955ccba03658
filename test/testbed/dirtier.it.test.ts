/**
 * Runs the test workload (workloads/dirtier.c) directly as a process, without Docker: its ticks, its
 * verification and its gap detection must work before it can prove anything about a migration.
 * Needs gcc and the static C library; without them this test fails (it never skips).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { PrerequisiteMissing } from '../../provider/errors';
import { buildDirtier } from '../../testbed/workload-image';

jest.setTimeout(60_000);

let dirtier: string;

beforeAll(async () => {
  try {
    dirtier = (await buildDirtier()).path;
  } catch (e) {
    if (e instanceof PrerequisiteMissing) {
      const where = process.env.CI === 'true' ? 'CI must provide it' : 'install it to run this test';
      throw new Error(`the dirtier cannot be compiled (${where}): ${e.message}`);
    }
    throw e;
  }
});

/** A running dirtier and the lines it printed so far. */
interface Run {
  readonly child: ChildProcessWithoutNullStreams;
  readonly lines: string[];
  readonly exited: Promise<number | null>;
}

function start(args: string[]): Run {
  const child = spawn(dirtier, args);
  const lines: string[] = [];
  let partial = '';
  child.stdout.on('data', (d: Buffer) => {
    const parts = (partial + d.toString()).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, lines, exited };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `key=value` fields of one output line. */
function fields(line: string): Record<string, string> {
  const pairs = line.split(' ').flatMap((kv): [string, string][] => {
    const eq = kv.indexOf('=');
    return eq > 0 ? [[kv.slice(0, eq), kv.slice(eq + 1)]] : [];
  });
  return Object.fromEntries(pairs);
}

const num = (line: string, key: string): number => Number(fields(line)[key]);

/** Checks what every run must show: consecutive ticks, growing dirtied count, only good verifications. */
function expectHealthy(lines: string[]): string[] {
  expect(lines[0]).toMatch(/^start pid=\d+ mib=16 rate=20 /);
  const ticks = lines.filter((l) => l.startsWith('tick='));
  expect(ticks.length).toBeGreaterThanOrEqual(8);
  ticks.forEach((l, i) => {
    expect(num(l, 'tick')).toBe(i + 1);
    expect(fields(l).ok).toBe('1');
    // 20 MiB/s in 4 KiB pages is 5120 pages/s: exactly 512 per 100 ms tick (time stopped is not made up).
    expect(num(l, 'dirtied')).toBe(512 * (i + 1));
    if (i > 0) {
      expect(num(l, 'dirtied')).toBeGreaterThan(num(ticks[i - 1]!, 'dirtied'));
      expect(num(l, 't')).toBeGreaterThan(num(ticks[i - 1]!, 't'));
    }
  });
  const verifies = lines.filter((l) => l.startsWith('verify='));
  expect(verifies.length).toBeGreaterThanOrEqual(2);
  for (const v of verifies) {
    expect(v).toMatch(/^verify=ok pages=4096 bad=0 /);
    expect(fields(v).vsum).toBe(fields(v).dirtied);
  }
  expect(lines[lines.length - 1]).toMatch(/^stop tick=\d+ dirtied=\d+ ok=1$/);
  return ticks;
}

describe('dirtier (run directly)', () => {
  it('ticks, dirties at about the asked rate and verifies ok', async () => {
    const run = start(['--mib', '16', '--dirty-mib-s', '20', '--verify-every', '5']);
    await sleep(1500);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    const ticks = expectHealthy(run.lines);
    expect(ticks.length).toBeGreaterThanOrEqual(12); // about 15 in 1.5 s
    expect(run.lines.filter((l) => l.startsWith('gap_ms='))).toEqual([]);
  });

  it('reports the time it was stopped as a gap', async () => {
    const run = start(['--mib', '16', '--dirty-mib-s', '20', '--verify-every', '5']);
    await sleep(900);
    run.child.kill('SIGSTOP');
    await sleep(600);
    run.child.kill('SIGCONT');
    await sleep(500);
    run.child.kill('SIGUSR1'); // asks for an extra verification
    await sleep(200);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expectHealthy(run.lines);
    const gaps = run.lines.filter((l) => l.startsWith('gap_ms='));
    expect(gaps).toHaveLength(1);
    expect(num(gaps[0]!, 'gap_ms')).toBeGreaterThanOrEqual(500);
    expect(num(gaps[0]!, 'gap_ms')).toBeLessThan(2000);
  });
});
