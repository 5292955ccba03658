/**
 * Finds and reads calibration profiles. A profile is named (`testbed-2026-11-22`) or given by path (anything
 * with a `/` or ending in `.json`). A name is looked up, in order:
 * 1. in the shipped profiles: walking up from this module's directory, the first `provider/calibration/
 *    profiles/<name>.json` found. From the TypeScript sources that is the repository's copy; from the
 *    compiled package it is `dist/provider/calibration/profiles/` when the build copied the file there
 *    (it copies the default profile, which is imported), else the sources' copy beside `dist/`;
 * 2. in the user's profiles: `$FERRY_CALIBRATION_DIR/<name>.json`, else `~/.ferry/calibration/<name>.json`
 *    (where `ferry calibrate` writes by default).
 */
import { existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readJsonFile } from '../config/json-file';
import { InvalidInput } from '../errors';
import { parseCalibrationProfile, PROFILE_NAME } from './profile';
import type { CalibrationProfile } from './profile-types';

/** The environment variable naming the directory of the user's profiles. */
export const CALIBRATION_DIR_ENV = 'FERRY_CALIBRATION_DIR';

/** Where the shipped profiles are, relative to the package root (or to `dist/`). */
export const SHIPPED_PROFILES = path.join('provider', 'calibration', 'profiles');

/**
 * The shipped profile directories, nearest first: `<d>/provider/calibration/profiles` for every ancestor
 * `d` of `from` (default: this module's directory) where it exists.
 */
export function shippedProfileDirs(from: string = __dirname): string[] {
  const dirs: string[] = [];
  for (let d = path.resolve(from); ; d = path.dirname(d)) {
    const candidate = path.join(d, SHIPPED_PROFILES);
    if (existsSync(candidate)) dirs.push(candidate);
    if (path.dirname(d) === d) return dirs;
  }
}

/** The user's profile directory: `$FERRY_CALIBRATION_DIR`, else `~/.ferry/calibration`. */
export function userProfileDir(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env[CALIBRATION_DIR_ENV];
  return dir !== undefined && dir !== '' ? dir : path.join(os.homedir(), '.ferry', 'calibration');
}

/** Whether `ref` is a path to a profile file rather than a profile name. */
export const isProfilePath = (ref: string): boolean => ref.includes('/') || ref.endsWith('.json');

/** Where to look up profile names. */
export interface ProfileSearch {
  /** Directories searched for a name, in order (default: shipped, then the user's). */
  readonly dirs?: readonly string[];
}

/** The directories a name is looked up in, in order. */
export function profileSearchDirs(search: ProfileSearch = {}): readonly string[] {
  return search.dirs ?? [...shippedProfileDirs(), userProfileDir()];
}

/**
 * The file of a profile reference: a path as given (resolved against the working directory), or the first
 * `<dir>/<name>.json` that exists.
 * @throws InvalidInput when the name is malformed or no directory holds it.
 */
export function resolveProfilePath(ref: string, search: ProfileSearch = {}): string {
  if (isProfilePath(ref)) return path.resolve(ref);
  if (!PROFILE_NAME.test(ref))
    throw new InvalidInput(
      'calibration profile',
      ref,
      'a profile name (lower-case letters, digits, ".", "_", "-") or the path of a profile file',
    );
  const dirs = profileSearchDirs(search);
  for (const dir of dirs) {
    const file = path.join(dir, `${ref}.json`);
    if (existsSync(file)) return file;
  }
  throw new InvalidInput(
    'calibration profile',
    ref,
    `the name of a profile in ${dirs.join(' or ')} (or the path of a profile file; make one with ferry calibrate)`,
  );
}

/**
 * Reads and parses a profile, given by name or by path (see the module's doc for where names are found).
 * @throws InvalidInput when it is not found, unreadable, not JSON, or fails the schema (naming file and field).
 */
export async function loadCalibrationProfile(
  ref: string,
  search: ProfileSearch = {},
): Promise<CalibrationProfile> {
  const file = resolveProfilePath(ref, search);
  const data = await readJsonFile(file, 'calibration profile', 'calibration profile');
  return parseCalibrationProfile(data, file);
}
