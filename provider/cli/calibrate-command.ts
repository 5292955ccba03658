/**
 * `ferry calibrate <report.json>... --name N --host-description TEXT [--out F] [--base NAME|PATH]
 * [--description TEXT] [--date YYYY-MM-DD] [--dry-run] [--force]`: fits a calibration profile of the
 * planner to the reports of past migrations (`ferry migrate --json` prints one) and writes it. Only parses
 * arguments and does the I/O; the fit is provider/calibration/fit.ts.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import {
  DEFAULT_CALIBRATION_PROFILE,
  PROFILE_NAME,
  downtimeTable,
  fitCosts,
  loadCalibrationProfile,
  makeProfile,
  parseReportFile,
  profileToJson,
  runsFromReports,
  shippedProfileDirs,
  userProfileDir,
  type CalibrationProfile,
  type ReportFields,
} from '../calibration';
import { existsSync } from 'node:fs';
import { oneLine, readJsonFile } from '../config/json-file';
import { InvalidInput } from '../errors';
import type { CliContext } from './main';

/** Usage text of `ferry calibrate`. */
export const CALIBRATE_USAGE = `usage:
  ferry calibrate <report.json>... --name <name> --host-description <text>
      [--out <file>]          where to write the profile (default: $FERRY_CALIBRATION_DIR/<name>.json,
                              else ~/.ferry/calibration/<name>.json, where the name finds it:
                              ferry migrate --calibration <name>, or migration.calibrationProfile)
      [--base <name|path>]    the profile the unfitted costs come from, and the "before" column
                              (default: the default profile, testbed-2026-11-22)
      [--description <text>] [--date YYYY-MM-DD] [--dry-run] [--force]
Each report file holds what \`ferry migrate --json\` printed (one report, or a JSON list of them).
Fits the freeze, delta and restore costs term by term (docs/model.md, "Calibration"), prints the
predicted beside the measured downtime of every run with the costs before and after the fit, and
writes the profile (not with --dry-run; an existing file only with --force).`;

/** The options of `ferry calibrate`, parsed. */
export interface CalibrateOptions {
  /** Report files. */
  readonly reports: readonly string[];
  /** Profile name. */
  readonly name: string;
  /** The hosts of the runs, in one line. */
  readonly hostDescription: string;
  /** Where to write the profile. */
  readonly out: string;
  /** The base profile (name or path); `undefined` for the default profile. */
  readonly base: string | undefined;
  /** What the profile is for. */
  readonly description: string | undefined;
  /** The date of the fit, `YYYY-MM-DD`. */
  readonly date: string;
  /** Fit and print, write nothing. */
  readonly dryRun: boolean;
  /** Overwrite an existing file. */
  readonly force: boolean;
}

/**
 * Parses the arguments of `ferry calibrate` (pure but for the default `--out`, under `userDir`).
 * @returns the options, `'help'` for `--help`, or `'usage'` when no report is given.
 * @throws InvalidInput naming the bad option.
 */
export function parseCalibrateArgs(
  argv: readonly string[],
  today: Date,
  userDir: string,
): CalibrateOptions | 'help' | 'usage' {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      'host-description': { type: 'string' },
      out: { type: 'string' },
      base: { type: 'string' },
      description: { type: 'string' },
      date: { type: 'string' },
      'dry-run': { type: 'boolean' },
      force: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  if (positionals.length === 0) return 'usage';
  const name = values.name;
  if (name === undefined || !PROFILE_NAME.test(name))
    throw new InvalidInput('--name', name, 'a profile name: lower-case letters, digits, ".", "_" and "-"');
  const host = values['host-description']?.trim();
  if (host === undefined || host === '')
    throw new InvalidInput(
      '--host-description',
      host,
      'a line on the hosts the runs were measured on (kernel, CPUs, CRIU, runc and Docker versions)',
    );
  const date = values.date ?? today.toISOString().slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(date)))
    throw new InvalidInput('--date', date, 'a date like 2026-11-22');
  return {
    reports: positionals,
    name,
    hostDescription: host,
    out: path.resolve(values.out ?? path.join(userDir, `${name}.json`)),
    base: values.base,
    description: values.description,
    date,
    dryRun: values['dry-run'] ?? false,
    force: values.force ?? false,
  };
}

/** Reads and parses one report file. */
async function readReports(file: string): Promise<ReportFields[]> {
  const data = await readJsonFile(file, 'migration report', 'migration report', {
    expected: 'JSON, as ferry migrate --json prints',
  });
  return parseReportFile(data, file);
}

/** Writes the profile file; refuses to replace one unless `force`. */
async function writeProfile(file: string, profile: CalibrationProfile, force: boolean): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  try {
    await writeFile(file, `${JSON.stringify(profileToJson(profile), null, 2)}\n`, {
      flag: force ? 'w' : 'wx',
    });
  } catch (e) {
    if (typeof e === 'object' && e !== null && 'code' in e && e.code === 'EEXIST')
      throw new InvalidInput('--out', file, 'a file that does not exist yet (or pass --force to replace it)');
    throw new InvalidInput('--out', file, `a file that can be written (${oneLine(e)})`);
  }
}

/** Runs `ferry calibrate <argv>`; resolves the exit code. */
export async function calibrateCommand(argv: readonly string[], _context: CliContext): Promise<number> {
  const opts = parseCalibrateArgs(argv, new Date(), userProfileDir());
  if (opts === 'help' || opts === 'usage') {
    (opts === 'help' ? process.stdout : process.stderr).write(`${CALIBRATE_USAGE}\n`);
    return opts === 'help' ? 0 : 2;
  }
  if (shippedProfileDirs().some((d) => existsSync(path.join(d, `${opts.name}.json`))))
    throw new InvalidInput('--name', opts.name, 'a name that no shipped profile has');
  const reports: { report: ReportFields; source: string }[] = [];
  for (const file of opts.reports)
    for (const report of await readReports(file)) reports.push({ report, source: path.basename(file) });
  const { runs, skipped } = runsFromReports(reports);
  if (runs.length === 0 && skipped.length > 0)
    throw new InvalidInput(
      'reports',
      `${skipped.length} report(s), none usable`,
      `reports of planned migrations without dirty tracking (skipped: ${skipped
        .slice(0, 3)
        .map((s) => `${s.id}: ${s.reason}`)
        .join('; ')}${skipped.length > 3 ? '; ...' : ''})`,
    );
  const base =
    opts.base === undefined ? DEFAULT_CALIBRATION_PROFILE : await loadCalibrationProfile(opts.base);
  const fit = fitCosts(runs, base);
  const skippedLines = skipped.map((s) => `skipped ${s.id}: ${s.reason}`);
  const { profile, rows } = makeProfile(
    {
      name: opts.name,
      ...(opts.description !== undefined ? { description: opts.description } : {}),
      date: opts.date,
      host: { description: opts.hostDescription },
      base,
    },
    fit,
    runs,
    skippedLines,
  );
  const out = process.stdout;
  out.write(
    `Fitted to ${runs.length} run(s) of ${opts.reports.length} file(s); base profile ${base.name}.\n`,
  );
  for (const line of [...fit.terms, ...fit.notes, ...skippedLines]) out.write(`- ${line}\n`);
  out.write(`\n${downtimeTable(rows, base.name, profile.name)}`);
  if (opts.dryRun) {
    out.write('\n--dry-run: nothing written\n');
    return 0;
  }
  await writeProfile(opts.out, profile, opts.force);
  const ref = path.dirname(opts.out) === path.resolve(userProfileDir()) ? profile.name : opts.out;
  out.write(`\nwrote ${opts.out}\nuse it with: ferry migrate ... --calibration ${ref}\n`);
  return 0;
}
