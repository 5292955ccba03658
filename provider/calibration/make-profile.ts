/**
 * Makes the profile that `ferry calibrate` writes: the fitted costs, the base's for the rest, and the
 * provenance (host, date, runs with their measured and predicted downtime, error figures before and after).
 * Pure.
 */
import { formatBytes } from '../units';
import { downtimeRows, switchoverError, type DowntimeRow } from './compare';
import type { CalibrationRun, FitResult } from './fit';
import { PROFILE_SCHEMA, parseCalibrationProfile } from './profile';
import { profileToJson } from './profile-json';
import type { CalibrationProfile, HostDescription, ProfileRun } from './profile-types';

/** How the fit works, in the words a profile records. */
export const FIT_METHOD =
  "ferry calibrate, term by term over the reports of past migrations (provider/calibration/fit.ts): freeze, a Theil-Sen line of each run's median checkpoint freeze against M; delta, the median of M / each run's median page delta; restore (per restore mode), a Theil-Sen line of what each measured downtime leaves after the model's other switchover terms, against the restored size.";

/** What the profile is, beside its fit. */
export interface ProfileInfo {
  /** Profile name. */
  readonly name: string;
  /** What it is for; default: says it was fitted and to how many runs. */
  readonly description?: string;
  /** The day of the fit, `YYYY-MM-DD`. */
  readonly date: string;
  /** The hosts of the runs. */
  readonly host: HostDescription;
  /** The profile the fit started from (unfitted terms, and the "before" predictions). */
  readonly base: CalibrationProfile;
}

function runEntry(r: CalibrationRun): ProfileRun {
  const what = `M ${formatBytes(r.memory)}, ${r.precopyRounds} pre-copy round(s), final round ${formatBytes(r.finalSent)}, ${r.restoreMode}`;
  return {
    id: r.id,
    ...(r.source !== undefined ? { source: r.source } : {}),
    description: r.description !== undefined && r.description !== '' ? `${r.description}: ${what}` : what,
    measuredDowntime: r.downtime,
  };
}

/**
 * The profile of a fit, as it will be written (its costs rounded as in the file), and the rows of predicted
 * beside measured downtime, before (with `info.base`) and after (with the new profile).
 */
export function makeProfile(
  info: ProfileInfo,
  fit: FitResult,
  runs: readonly CalibrationRun[],
  skipped: readonly string[] = [],
): { readonly profile: CalibrationProfile; readonly rows: DowntimeRow[] } {
  const modes = Object.keys(fit.restoreModes).length > 0 ? { restoreModes: fit.restoreModes } : {};
  const draft: CalibrationProfile = {
    schema: PROFILE_SCHEMA,
    name: info.name,
    description:
      info.description ??
      `Fitted by ferry calibrate to ${runs.length} migration(s) on: ${info.host.description}`,
    costs: fit.costs,
    ...modes,
    provenance: {
      date: info.date,
      host: info.host,
      method: FIT_METHOD,
      base: info.base.name,
      fitted: fit.fitted,
      runs: runs.map(runEntry),
      error: [],
      notes: [...fit.terms, ...fit.notes, ...skipped],
    },
  };
  const written = parseCalibrationProfile(profileToJson(draft), `${info.name} (as written)`);
  const rows = downtimeRows(runs, info.base, written);
  const profile: CalibrationProfile = {
    ...written,
    provenance: {
      ...written.provenance,
      runs: written.provenance.runs.map((e, i) => ({ ...e, predictedDowntime: rows[i]!.after })),
      error: [switchoverError(rows, info.base.name)],
    },
  };
  return { profile, rows };
}
