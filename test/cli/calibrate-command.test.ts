import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  DEFAULT_CALIBRATION_PROFILE,
  loadCalibrationProfile,
  resolvedProfileCosts,
} from '../../provider/calibration';
import { calibrateCommand, CALIBRATE_USAGE, parseCalibrateArgs } from '../../provider/cli/calibrate-command';
import { runCli } from '../../provider/cli/main';
import { InvalidInput } from '../../provider/errors';
import { mibPerSecond, seconds } from '../../provider/units';
import { asJson, syntheticReport } from '../calibration/support';

const TODAY = new Date('2026-12-01T10:00:00Z');
const context = { defaultClustersFile: undefined };

describe('parseCalibrateArgs', () => {
  const required = ['--name', 'my-hosts', '--host-description', 'two hosts'];

  it('reads the options, with the output in the user profile directory by default', () => {
    expect(
      parseCalibrateArgs(['a.json', 'b.json', ...required], TODAY, '/home/u/.ferry/calibration'),
    ).toEqual({
      reports: ['a.json', 'b.json'],
      name: 'my-hosts',
      hostDescription: 'two hosts',
      out: '/home/u/.ferry/calibration/my-hosts.json',
      base: undefined,
      description: undefined,
      date: '2026-12-01',
      dryRun: false,
      force: false,
    });
    const o = parseCalibrateArgs(
      [
        'a.json',
        ...required,
        '--out',
        '/tmp/p.json',
        '--base',
        'old',
        '--date',
        '2026-11-30',
        '--dry-run',
        '--force',
      ],
      TODAY,
      '/u',
    );
    expect(o).toMatchObject({
      out: '/tmp/p.json',
      base: 'old',
      date: '2026-11-30',
      dryRun: true,
      force: true,
    });
  });

  it('answers --help, and asks for usage without a report', () => {
    expect(parseCalibrateArgs(['--help'], TODAY, '/u')).toBe('help');
    expect(parseCalibrateArgs([...required], TODAY, '/u')).toBe('usage');
  });

  it.each([
    [['a.json', '--host-description', 'h'], '--name'],
    [['a.json', '--name', 'Bad Name', '--host-description', 'h'], '--name'],
    [['a.json', '--name', 'n'], '--host-description'],
    [['a.json', '--name', 'n', '--host-description', '  '], '--host-description'],
    [['a.json', '--name', 'n', '--host-description', 'h', '--date', 'yesterday'], '--date'],
  ])('%j: InvalidInput naming %s', (argv, field) => {
    expect(() => parseCalibrateArgs(argv, TODAY, '/u')).toThrow(InvalidInput);
    expect(() => parseCalibrateArgs(argv, TODAY, '/u')).toThrow(`invalid ${field}:`);
  });
});

describe('ferry calibrate, end to end on files', () => {
  let dir: string;
  let stdout: string[];
  let stderr: string[];
  const truth = {
    ...resolvedProfileCosts(DEFAULT_CALIBRATION_PROFILE, undefined, false),
    freezeBase: seconds(0.25),
    dumpRate: mibPerSecond(1000),
    restoreBase: seconds(0.7),
    restoreRate: mibPerSecond(500),
  };

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'ferry-calibrate-'));
    stdout = [];
    stderr = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((s) => stdout.push(String(s)) > 0);
    jest.spyOn(process.stderr, 'write').mockImplementation((s) => stderr.push(String(s)) > 0);
    const r = (id: string, memoryMiB: number, rounds: number, finalMiB: number) =>
      asJson(syntheticReport(id, { memoryMiB, rounds, finalMiB }, truth));
    writeFileSync(path.join(dir, 'one.json'), JSON.stringify(r('m-small', 16, 1, 0.02)));
    const fixedRule = { ...(r('m-fixed', 64, 2, 1) as object), plan: undefined };
    writeFileSync(
      path.join(dir, 'list.json'),
      JSON.stringify([r('m-mid', 64, 2, 3), r('m-big', 256, 3, 12), fixedRule]),
    );
  });
  afterEach(() => {
    jest.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });

  const argv = (...more: string[]): string[] => [
    path.join(dir, 'one.json'),
    path.join(dir, 'list.json'),
    '--name',
    'my-hosts',
    '--host-description',
    '2 hosts, Linux 6.1, CRIU 4.1',
    '--date',
    '2026-12-01',
    ...more,
  ];

  it('fits the reports, prints predicted beside measured, and writes a profile that loads', async () => {
    const out = path.join(dir, 'profiles', 'my-hosts.json');
    expect(await calibrateCommand(argv('--out', out), context)).toBe(0);
    const p = await loadCalibrationProfile(out);
    expect(p.name).toBe('my-hosts');
    expect(p.costs.freezeBase).toBeCloseTo(0.25, 5);
    expect(p.costs.dumpRate / mibPerSecond(1000)).toBeCloseTo(1, 5);
    expect(p.costs.restoreBase).toBeCloseTo(0.7, 5);
    expect(p.costs.restoreRate / mibPerSecond(500)).toBeCloseTo(1, 5);
    expect(p.provenance.host.description).toBe('2 hosts, Linux 6.1, CRIU 4.1');
    expect(p.provenance.date).toBe('2026-12-01');
    expect(p.provenance.runs.map((r) => `${r.id} ${r.source}`)).toEqual([
      'm-small one.json',
      'm-mid list.json',
      'm-big list.json',
    ]);
    const text = stdout.join('');
    expect(text).toContain('Fitted to 3 run(s) of 2 file(s); base profile testbed-2026-11-22.');
    expect(text).toContain('skipped m-fixed: no plan');
    expect(text).toContain('| before (testbed-2026-11-22) | after (my-hosts) |');
    expect(text).toMatch(
      /\| m-big \| 256\.0 MiB \| 3 \| 12\.0 MiB \| [\d.]+ s \| [\d.]+ s \| [\d.]+ s \([+-]\d+ %\) \| [\d.]+ s \(\+0 %\) \|/,
    );
    expect(text).toContain(`wrote ${out}`);
    expect(stderr).toEqual([]);
  });

  it('writes nothing with --dry-run, and never replaces a file without --force', async () => {
    const out = path.join(dir, 'p.json');
    expect(await calibrateCommand(argv('--out', out, '--dry-run'), context)).toBe(0);
    expect(existsSync(out)).toBe(false);
    writeFileSync(out, 'keep me');
    await expect(calibrateCommand(argv('--out', out), context)).rejects.toThrow(/invalid --out: .*--force/);
    expect(readFileSync(out, 'utf8')).toBe('keep me');
    expect(await calibrateCommand(argv('--out', out, '--force'), context)).toBe(0);
    expect((await loadCalibrationProfile(out)).name).toBe('my-hosts');
  });

  it('prints the usage for --help and without reports', async () => {
    expect(await calibrateCommand(['--help'], context)).toBe(0);
    expect(stdout.join('')).toBe(`${CALIBRATE_USAGE}\n`);
    expect(await calibrateCommand([], context)).toBe(2);
    expect(stderr.join('')).toBe(`${CALIBRATE_USAGE}\n`);
  });

  it('refuses the name of a shipped profile', async () => {
    await expect(
      calibrateCommand(
        [path.join(dir, 'one.json'), '--name', 'testbed-2026-11-22', '--host-description', 'h'],
        context,
      ),
    ).rejects.toThrow(
      'invalid --name: got "testbed-2026-11-22", expected a name that no shipped profile has',
    );
  });

  it.each([
    ['not JSON', '{ nope', /invalid migration report .*bad\.json: got "\(not JSON\)", expected JSON/],
    [
      'not a report',
      JSON.stringify({ hello: 1 }),
      /invalid migrationId in migration report .*bad\.json: got undefined/,
    ],
  ])('fails on a report that is %s with one line and no stack (through ferry)', async (_what, text, line) => {
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, text);
    expect(await runCli(['calibrate', bad, '--name', 'x', '--host-description', 'h', '--dry-run'])).toBe(1);
    const err = stderr.join('');
    expect(err).toMatch(new RegExp(`^ferry calibrate: ${line.source}`));
    expect(err.trim().split('\n')).toHaveLength(1);
  });
});
