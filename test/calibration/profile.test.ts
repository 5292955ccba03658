import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  DEFAULT_CALIBRATION_PROFILE,
  parseCalibrationProfile,
  profileCosts,
  profileToJson,
} from '../../provider/calibration';
import { InvalidInput } from '../../provider/errors';
import { mibPerSecond, seconds } from '../../provider/units';

const FILE = path.join(
  __dirname,
  '..',
  '..',
  'provider',
  'calibration',
  'profiles',
  'testbed-2026-11-22.json',
);
const raw = (): Record<string, unknown> => JSON.parse(readFileSync(FILE, 'utf8')) as Record<string, unknown>;

/** A copy of the shipped profile's JSON with the value at `at` replaced (or removed, for `undefined`). */
function withValue(at: readonly (string | number)[], value: unknown): unknown {
  const data = raw();
  let o: Record<string | number, unknown> = data;
  for (const k of at.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  const last = at[at.length - 1]!;
  if (value === undefined) delete o[last];
  else o[last] = value;
  return data;
}

/** The InvalidInput that parsing `data` throws. */
function failure(data: unknown): InvalidInput {
  try {
    parseCalibrationProfile(data, 'bad.json');
  } catch (e) {
    if (e instanceof InvalidInput) return e;
    throw e;
  }
  throw new Error('parsed without an error');
}

describe('parseCalibrationProfile', () => {
  it('parses the shipped file into unit-typed costs', () => {
    const p = parseCalibrationProfile(raw(), FILE);
    expect(p.costs.freezeBase).toBe(seconds(0.15));
    expect(p.costs.dumpRate).toBe(mibPerSecond(2048));
    expect(p.restoreModes?.['engine-copy']?.restoreRate).toBe(mibPerSecond(55));
  });

  it('converts the units a file may use', () => {
    const p = parseCalibrationProfile(
      withValue(['costs', 'freezeBase'], { value: 150, unit: 'ms' }),
      'x.json',
    );
    expect(p.costs.freezeBase).toBeCloseTo(0.15, 12);
    const q = parseCalibrationProfile(
      withValue(['costs', 'dumpRate'], { value: 2, unit: 'GiB/s' }),
      'x.json',
    );
    expect(q.costs.dumpRate).toBe(mibPerSecond(2048));
  });

  it.each<[string, readonly (string | number)[], unknown, string, RegExp]>([
    ['a unit it does not know', ['costs', 'dumpRate', 'unit'], 'Mb/s', 'costs.dumpRate.unit', /"MiB\/s"/],
    ['a bare number', ['costs', 'freezeBase'], 0.15, 'costs.freezeBase', /"value".*"unit"/],
    ['a negative duration', ['costs', 'restoreBase', 'value'], -1, 'costs.restoreBase.value', /0 or more/],
    ['a zero rate', ['costs', 'deltaRate', 'value'], 0, 'costs.deltaRate.value', /above 0/],
    ['a missing cost', ['costs', 'restoreRate'], undefined, 'costs.restoreRate', /a rate/],
    ['an unknown cost', ['costs', 'freezbase'], { value: 1, unit: 's' }, 'costs', /"freezbase"/],
    ['a bad scope', ['costs', 'restoreScope'], 'all', 'costs.restoreScope', /full-image/],
    ['another schema', ['schema'], 'ferry.calibration-profile/v0', 'schema', /v1/],
    ['a bad name', ['name'], 'My Profile', 'name', /lower-case/],
    ['a bad date', ['provenance', 'date'], '22/11/2026', 'provenance.date', /2026-11-22/],
    ['no host', ['provenance', 'host'], undefined, 'provenance.host', /object/],
    ['no runs', ['provenance', 'runs'], [], 'provenance.runs', /at least one run/],
    ['a run without id', ['provenance', 'runs', 3, 'id'], '', 'provenance.runs[3].id', /run id/],
    ['an unknown fitted field', ['provenance', 'fitted', 0], 'speed', 'provenance.fitted[0]', /cost field/],
    ['an unknown restore mode', ['restoreModes', 'lazy'], {}, 'restoreModes', /"lazy"/],
  ])('rejects %s, naming the file and the field', (_what, at, value, field, expected) => {
    const e = failure(withValue(at, value));
    expect(e.field).toBe(`${field} in calibration profile bad.json`);
    expect(e.expected).toMatch(expected);
    expect(e.message).toMatch(/^invalid .* in calibration profile bad\.json: got /);
  });

  it('rejects what is not an object', () => {
    expect(failure('text').field).toBe('calibration profile bad.json');
    expect(failure(null).field).toBe('calibration profile bad.json');
  });
});

describe('profileToJson', () => {
  it('writes what parses back to the same profile', () => {
    const p = DEFAULT_CALIBRATION_PROFILE;
    expect(parseCalibrationProfile(profileToJson(p), 'x.json')).toEqual(p);
  });

  it('is the shipped file itself', () => {
    expect(profileToJson(DEFAULT_CALIBRATION_PROFILE)).toEqual(raw());
  });
});

describe('profileCosts', () => {
  it("applies a restore mode's overrides and nothing else", () => {
    const p = DEFAULT_CALIBRATION_PROFILE;
    expect(profileCosts(p)).toEqual(p.costs);
    expect(profileCosts(p, 'pages-by-reference')).toEqual(p.costs);
    expect(profileCosts(p, 'engine-copy')).toEqual({
      ...p.costs,
      restoreBase: seconds(0.5),
      restoreRate: mibPerSecond(55),
    });
  });
});
