import {
  COST_FIELDS,
  DEFAULT_CALIBRATION_PROFILE,
  DEFAULT_PROFILE_NAME,
  loadCalibrationProfile,
} from '../../provider/calibration';
import { ENGINE_COPY_RESTORE, ENGINE_COSTS, planInputs } from '../../provider/engine/measure/plan-inputs';
import { UNCALIBRATED_COSTS } from '../../provider/model';
import { bytes, millis, mib, mibPerSecond, seconds } from '../../provider/units';

/** The engine's costs as constants, before they came from a profile (plan-inputs.ts of 2026-11-22). */
const COSTS_BEFORE_PROFILES = {
  dirtyTracking: false,
  freezeBase: seconds(0.15),
  freezePerProcess: millis(2),
  dumpRate: mibPerSecond(2048),
  deltaRate: mibPerSecond(2048),
  restoreBase: seconds(0.46),
  restorePerProcess: millis(2),
  restoreRate: mibPerSecond(1024),
  restoreScope: 'full-image',
  faultSize: bytes(4096),
};
const COPY_RESTORE_BEFORE_PROFILES = { restoreBase: seconds(0.5), restoreRate: mibPerSecond(55) };

const facts = (restoreMode?: 'pages-by-reference' | 'engine-copy') => ({
  link: {
    rtt: millis(50),
    sendOverhead: seconds(0),
    probeBytes: bytes(0),
    sample: { bytes: bytes(12e6), duration: seconds(1) },
  },
  container: { memory: mib(64), otherFiles: bytes(0), dirty: undefined, checkpoints: [] },
  rootfsDiff: bytes(0),
  processes: 1,
  policy: undefined,
  dirtyTracking: false,
  ...(restoreMode !== undefined ? { restoreMode } : {}),
});

describe('the default profile', () => {
  it('is testbed-2026-11-22, and the file on disk is the one imported', async () => {
    expect(DEFAULT_PROFILE_NAME).toBe('testbed-2026-11-22');
    expect(DEFAULT_CALIBRATION_PROFILE.name).toBe(DEFAULT_PROFILE_NAME);
    expect(await loadCalibrationProfile(DEFAULT_PROFILE_NAME)).toEqual(DEFAULT_CALIBRATION_PROFILE);
  });

  it('gives the engine the costs in force before profiles (no change of behaviour)', () => {
    expect(ENGINE_COSTS).toEqual(COSTS_BEFORE_PROFILES);
    expect(ENGINE_COPY_RESTORE).toEqual(COPY_RESTORE_BEFORE_PROFILES);
    expect(planInputs(facts()).link.costs).toEqual(COSTS_BEFORE_PROFILES);
    expect(planInputs(facts('pages-by-reference')).link.costs).toEqual(COSTS_BEFORE_PROFILES);
    expect(planInputs(facts('engine-copy')).link.costs).toEqual({
      ...COSTS_BEFORE_PROFILES,
      ...COPY_RESTORE_BEFORE_PROFILES,
    });
  });

  it('differs from the uncalibrated model defaults only in fitted fields', () => {
    const { provenance, costs } = DEFAULT_CALIBRATION_PROFILE;
    const changed = COST_FIELDS.filter((k) => costs[k] !== UNCALIBRATED_COSTS[k]);
    expect(changed).toHaveLength(4); // the fitted restoreRate came out at the first guess, 1 GiB/s
    expect(provenance.fitted).toEqual(expect.arrayContaining(changed));
  });

  it('carries its provenance: host, date, the 22 runs and the fit errors', () => {
    const p = DEFAULT_CALIBRATION_PROFILE.provenance;
    expect(p.date).toBe('2026-11-22');
    expect(p.host).toMatchObject({
      cpus: 2,
      criu: '4.1.1',
      runc: '1.1.5',
      docker: '20.10.24',
      dirtyTracking: false,
    });
    expect(p.runs).toHaveLength(22);
    expect(new Set(p.runs.map((r) => r.id)).size).toBe(22);
    expect(p.runs.every((r) => r.measuredDowntime !== undefined && r.predictedDowntime !== undefined)).toBe(
      true,
    );
    expect(p.error.map((e) => e.runs)).toEqual([22, 19]);
    expect(p.error[0]!.maxAbsPercent).toBeLessThanOrEqual(30);
  });

  it("records each run's prediction within the error figures it states", () => {
    const p = DEFAULT_CALIBRATION_PROFILE.provenance;
    const errors = p.runs.map((r) => Math.abs(r.predictedDowntime! / r.measuredDowntime! - 1) * 100);
    expect(Math.max(...errors)).toBeCloseTo(p.error[0]!.maxAbsPercent, 0);
  });
});
