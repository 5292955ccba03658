/**
 * Writes a calibration profile back into its file format: every quantity as `{ value, unit }` (durations in
 * seconds, rates in MiB/s, sizes in bytes, six significant digits). `parseCalibrationProfile` of the result
 * gives the profile again, up to that rounding. Pure.
 */
import type { CalibrationProfile, ProfileRun, RestoreCosts } from './profile-types';
import { durationJson, rateJson, sizeJson } from './quantities';

/** The comment a written profile starts with. */
export const PROFILE_COMMENT =
  'Ferry calibration profile: the planner costs for one kind of host, with their provenance. Each quantity is { value, unit }: durations in "s" or "ms", rates in "B/s", "KiB/s", "MiB/s" or "GiB/s", sizes in "B", "KiB" or "MiB". See docs/model.md, "Calibration".';

/** Drops the keys whose value is `undefined`, so that the JSON has no `null`s standing for absent fields. */
function defined(o: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

function restoreCostsJson(r: RestoreCosts): Record<string, unknown> {
  return defined({
    restoreBase: r.restoreBase === undefined ? undefined : durationJson(r.restoreBase),
    restorePerProcess: r.restorePerProcess === undefined ? undefined : durationJson(r.restorePerProcess),
    restoreRate: r.restoreRate === undefined ? undefined : rateJson(r.restoreRate),
  });
}

function runJson(r: ProfileRun): Record<string, unknown> {
  return defined({
    id: r.id,
    source: r.source,
    description: r.description,
    measuredDowntime: r.measuredDowntime === undefined ? undefined : durationJson(r.measuredDowntime),
    predictedDowntime: r.predictedDowntime === undefined ? undefined : durationJson(r.predictedDowntime),
  });
}

/** The JSON value of a profile file (write it with `JSON.stringify(value, null, 2)`). */
export function profileToJson(p: CalibrationProfile): Record<string, unknown> {
  const c = p.costs;
  const modes = p.restoreModes;
  return defined({
    $comment: p.$comment ?? PROFILE_COMMENT,
    schema: p.schema,
    name: p.name,
    description: p.description,
    costs: {
      freezeBase: durationJson(c.freezeBase),
      freezePerProcess: durationJson(c.freezePerProcess),
      dumpRate: rateJson(c.dumpRate),
      deltaRate: rateJson(c.deltaRate),
      restoreBase: durationJson(c.restoreBase),
      restorePerProcess: durationJson(c.restorePerProcess),
      restoreRate: rateJson(c.restoreRate),
      restoreScope: c.restoreScope,
      faultSize: sizeJson(c.faultSize),
    },
    restoreModes:
      modes === undefined
        ? undefined
        : defined({
            'pages-by-reference':
              modes['pages-by-reference'] === undefined
                ? undefined
                : restoreCostsJson(modes['pages-by-reference']),
            'engine-copy':
              modes['engine-copy'] === undefined ? undefined : restoreCostsJson(modes['engine-copy']),
          }),
    provenance: defined({
      ...p.provenance,
      host: defined({ ...p.provenance.host }),
      runs: p.provenance.runs.map(runJson),
      error: p.provenance.error.map((e) => defined({ ...e })),
    }),
  });
}
