import * as fs from 'node:fs';
import * as path from 'node:path';
import { CheckpointFailed, InvalidInput } from '../../../provider/errors';
import type { ExecResult, RemoteShell } from '../../../provider/hosts/remote-shell';
import {
  checkpoint,
  diff,
  flattenImagesArgv,
  parentPathFor,
  sourceRoundDir,
} from '../../../provider/engine/precopy/rounds';
import type { Clock } from '../../../provider/engine/types';
import { bytes, seconds } from '../../../provider/units';

const ID = 'c'.repeat(64);
const SUMMARY =
  'pagedelta: total=10 sent=4 unchanged=6 bytes=16500 zero=0 files=3 kept=0 file_bytes=9 page_size=4096';

/** A shell that records every argv and answers with `answer` (exit 0 by default). */
function shell(
  log: (readonly string[])[],
  answer: (argv: readonly string[]) => Partial<ExecResult> = () => ({}),
) {
  return {
    exec: (argv: readonly string[]) => {
      log.push(argv);
      return Promise.resolve({ exitCode: 0, stdout: Buffer.from(''), stderr: '', ...answer(argv) });
    },
    describe: () => 'test-host',
  } as unknown as RemoteShell;
}

const clock = { now: () => seconds(0) } as unknown as Clock;

describe('parentPathFor', () => {
  it.each([
    ['/w/m1/rounds/3', '/w/m1/rounds/2', '../2'],
    [
      '/var/lib/docker/containers/abc/checkpoints/ferry-m1',
      '/w/m1/rounds/4',
      '../../../../../../../w/m1/rounds/4',
    ],
    ['/w/m1/rounds/3/', '/w/m1/rounds/2/', '../2'],
  ])('from %s to %s is %s', (from, to, expected) => {
    expect(parentPathFor(from, to)).toBe(expected);
  });

  it.each([
    ['relative from', 'rounds/3', '/w/rounds/2'],
    ['relative to', '/w/rounds/3', '../2'],
    ['the same dir', '/w/rounds/3', '/w/rounds/3/'],
  ])('rejects %s', (_what, from, to) => {
    expect(() => parentPathFor(from, to)).toThrow(InvalidInput);
  });
});

describe('flattenImagesArgv', () => {
  it('passes the binary and the dir as arguments of a fixed script', () => {
    const argv = flattenImagesArgv('/opt/pd', '/var/lib/docker/containers/c/checkpoints/ferry-m1');
    expect(argv.slice(0, 2)).toEqual(['sh', '-c']);
    expect(argv.slice(3)).toEqual(['sh', '/opt/pd', '/var/lib/docker/containers/c/checkpoints/ferry-m1']);
    expect(argv[2]).toContain('diff-tracked');
    expect(argv[2]).not.toContain('/var/');
  });

  it('sends scripts/flatten.sh without its header comments', () => {
    const file = fs.readFileSync(
      path.resolve(__dirname, '../../../provider/engine/scripts/flatten.sh'),
      'utf8',
    );
    const script = flattenImagesArgv('/opt/pd', '/d')[2]!;
    expect(script.startsWith('bin=$1; dir=${2%/};')).toBe(true);
    expect(file.startsWith('#!/bin/sh\n')).toBe(true);
    expect(file.endsWith(`\n${script}\n`)).toBe(true);
  });

  it.each(['relative/dir', ''])('rejects %j', (dir) => {
    expect(() => flattenImagesArgv('/opt/pd', dir)).toThrow(InvalidInput);
  });
});

describe('checkpoint', () => {
  const host = { runtimeRoot: '/run/r', workDir: '/w' };

  it('is a plain checkpoint by default (existing call sites)', async () => {
    const log: (readonly string[])[] = [];
    const dir = sourceRoundDir('/w/m1', 1);
    await checkpoint(shell(log), host, ID, dir, '/w/m1/work-1', true, bytes(1 << 20), clock, undefined);
    const runc = log[1]!;
    expect(runc).toContain('--leave-running');
    expect(runc).not.toContain('--pre-dump');
    expect(runc).not.toContain('--parent-path');
  });

  it('takes a pre-dump with a parent in tracked mode', async () => {
    const log: (readonly string[])[] = [];
    const dir = sourceRoundDir('/w/m1', 3);
    const parentPath = parentPathFor(dir, sourceRoundDir('/w/m1', 2));
    await checkpoint(shell(log), host, ID, dir, '/w/m1/work-3', true, bytes(1 << 20), clock, undefined, {
      preDump: true,
      parentPath,
    });
    expect(log[1]!.join(' ')).toContain('--image-path /w/m1/rounds/3 ');
    expect(log[1]!.join(' ')).toContain('--parent-path ../2 --pre-dump');
  });

  it('names the pre-dump when it fails', async () => {
    const log: (readonly string[])[] = [];
    const sh = shell(log, (argv) =>
      argv[0] === 'runc' ? { exitCode: 1, stderr: 'CRIU does not support MemTrack' } : {},
    );
    const p = checkpoint(sh, host, ID, '/w/r/2', '/w/work-2', true, bytes(1), clock, 'src', {
      preDump: true,
    });
    await expect(p).rejects.toThrow(CheckpointFailed);
    await expect(p).rejects.toThrow(/runc checkpoint --pre-dump of cccccccccccc failed/);
  });
});

describe('diff', () => {
  const answer = (): Partial<ExecResult> => ({ stderr: SUMMARY });

  it('runs diff PREV CUR by default (existing call sites)', async () => {
    const log: (readonly string[])[] = [];
    const d = await diff(shell(log, answer), '/opt/pd', '/w/r/1', '/w/r/2', '/w/delta-2', bytes(1), clock);
    expect(log[0]!.slice(4)).toEqual(['/w/delta-2', '/opt/pd', 'diff', '/w/r/1', '/w/r/2']);
    expect(d.summary.pagesUnchanged).toBe(6);
  });

  it('runs diff-tracked CUR in tracked mode, ignoring PREV', async () => {
    const log: (readonly string[])[] = [];
    await diff(shell(log, answer), '/opt/pd', '/w/r/1', '/w/r/2', '/w/delta-2', bytes(1), clock, {
      tracked: true,
    });
    expect(log[0]!.slice(4)).toEqual(['/w/delta-2', '/opt/pd', 'diff-tracked', '/w/r/2']);
  });
});
