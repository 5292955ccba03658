/**
 * The default calibration profile, `testbed-2026-11-22`: the costs the engine and the provider plan with
 * when no profile is named. Its file is imported (not read), so it is there synchronously and without I/O;
 * the TypeScript compiler copies the JSON next to the compiled module (`dist/provider/calibration/profiles/`).
 */
import data from './profiles/testbed-2026-11-22.json';
import { parseCalibrationProfile } from './profile';
import type { CalibrationProfile } from './profile-types';

/** The name of the default profile: fitted on 2026-11-22 to 22 migrations on the development test bed. */
export const DEFAULT_PROFILE_NAME = 'testbed-2026-11-22';

/** The default profile, parsed (and so checked) when this module loads. */
export const DEFAULT_CALIBRATION_PROFILE: CalibrationProfile = parseCalibrationProfile(
  data,
  `provider/calibration/profiles/${DEFAULT_PROFILE_NAME}.json`,
);
