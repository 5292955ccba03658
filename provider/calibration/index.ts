/**
 * Calibration profiles: the planner's costs for one kind of host, as a data file with its provenance
 * (`profiles/<name>.json`), loaded by name or path, and fitted to the reports of past migrations
 * (`ferry calibrate`). See docs/model.md, "Calibration".
 */
export * from './profile-types';
export {
  PROFILE_NAME,
  PROFILE_SCHEMA,
  calibrationProfileSchema,
  parseCalibrationProfile,
  profileCosts,
  resolvedProfileCosts,
} from './profile';
export { PROFILE_COMMENT, profileToJson } from './profile-json';
export { DEFAULT_CALIBRATION_PROFILE, DEFAULT_PROFILE_NAME } from './default-profile';
export {
  CALIBRATION_DIR_ENV,
  SHIPPED_PROFILES,
  isProfilePath,
  loadCalibrationProfile,
  profileSearchDirs,
  resolveProfilePath,
  shippedProfileDirs,
  userProfileDir,
  type ProfileSearch,
} from './load';
export { fitCosts, median, theilSenSlope, MIN_SIZE_RATIO, type CalibrationRun, type FitResult } from './fit';
export { downtimeRows, downtimeTable, errorFigures, predictDowntime, type DowntimeRow } from './compare';
export { makeProfile, type ProfileInfo } from './make-profile';
export {
  parseReportFile,
  reportSchema,
  runsFromReports,
  type ReportFields,
  type SkippedRun,
} from './report-runs';
