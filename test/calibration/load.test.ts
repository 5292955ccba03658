import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CALIBRATION_DIR_ENV,
  DEFAULT_CALIBRATION_PROFILE,
  isProfilePath,
  loadCalibrationProfile,
  profileToJson,
  resolveProfilePath,
  shippedProfileDirs,
  userProfileDir,
} from '../../provider/calibration';
import { InvalidInput } from '../../provider/errors';

const ROOT = path.resolve(__dirname, '..', '..');
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ferry-calibration-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, data: unknown): string => {
  const file = path.join(dir, name);
  writeFileSync(file, typeof data === 'string' ? data : JSON.stringify(data));
  return file;
};

describe('where profiles are found', () => {
  it("finds the shipped profiles by walking up from the module's directory", () => {
    expect(shippedProfileDirs()).toEqual([path.join(ROOT, 'provider', 'calibration', 'profiles')]);
    // from a compiled module under dist/: its own copy (when the build made one) first, then the sources'
    const fakeDist = path.join(dir, 'dist', 'provider', 'calibration');
    expect(shippedProfileDirs(fakeDist)).toEqual([]);
    expect(shippedProfileDirs(path.join(ROOT, 'dist', 'provider', 'calibration')).at(-1)).toBe(
      path.join(ROOT, 'provider', 'calibration', 'profiles'),
    );
  });

  it('puts the user profiles in $FERRY_CALIBRATION_DIR, else ~/.ferry/calibration', () => {
    expect(userProfileDir({ [CALIBRATION_DIR_ENV]: '/srv/profiles' })).toBe('/srv/profiles');
    expect(userProfileDir({})).toBe(path.join(os.homedir(), '.ferry', 'calibration'));
  });

  it.each([
    ['testbed-2026-11-22', false],
    ['./mine.json', true],
    ['mine.json', true],
    ['/etc/ferry/mine', true],
  ])('%s is a path: %s', (ref, isPath) => {
    expect(isProfilePath(ref)).toBe(isPath);
  });

  it('resolves a name in the given directories, in order, and a path as given', () => {
    write('mine.json', profileToJson({ ...DEFAULT_CALIBRATION_PROFILE, name: 'mine' }));
    expect(resolveProfilePath('mine', { dirs: ['/nonexistent', dir] })).toBe(path.join(dir, 'mine.json'));
    expect(resolveProfilePath(path.join(dir, 'mine.json'))).toBe(path.join(dir, 'mine.json'));
  });

  it.each([
    [
      'an unknown name',
      'nosuch',
      /the name of a profile in .* \(or the path of a profile file; make one with ferry calibrate\)/,
    ],
    ['a malformed name', 'No Such', /a profile name \(lower-case/],
  ])('refuses %s with one clear line', (_what, ref, expected) => {
    expect(() => resolveProfilePath(ref, { dirs: [dir] })).toThrow(InvalidInput);
    expect(() => resolveProfilePath(ref, { dirs: [dir] })).toThrow(expected);
  });
});

describe('loadCalibrationProfile', () => {
  it('loads a profile by name and by path', async () => {
    const file = write('mine.json', profileToJson({ ...DEFAULT_CALIBRATION_PROFILE, name: 'mine' }));
    expect((await loadCalibrationProfile('mine', { dirs: [dir] })).name).toBe('mine');
    expect((await loadCalibrationProfile(file)).costs).toEqual(DEFAULT_CALIBRATION_PROFILE.costs);
  });

  it('names the file when it is not JSON', async () => {
    const file = write('broken.json', '{ "schema": ');
    await expect(loadCalibrationProfile(file)).rejects.toThrow(
      `invalid calibration profile ${file}: got "(not JSON)", expected JSON`,
    );
  });

  it('names the file and the field when the schema fails', async () => {
    const data = profileToJson(DEFAULT_CALIBRATION_PROFILE);
    const file = write('bad.json', {
      ...data,
      costs: { ...(data.costs as object), faultSize: { value: 0, unit: 'B' } },
    });
    await expect(loadCalibrationProfile(file)).rejects.toThrow(
      `invalid costs.faultSize.value in calibration profile ${file}: got 0, expected a number above 0`,
    );
  });

  it('names the file when it cannot be read', async () => {
    await expect(loadCalibrationProfile(path.join(dir, 'missing.json'))).rejects.toThrow(
      /a readable calibration profile \(no such file\)/,
    );
  });
});
