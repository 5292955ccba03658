/**
 * A calibration profile: the planner's checkpoint, delta and restore costs for one kind of host, with where
 * they came from (host, date, runs, fit errors). One zod schema parses the file (`profiles/<name>.json`);
 * {@link parseCalibrationProfile} turns any failure into an `InvalidInput` naming the file and the field.
 * Pure: no I/O (the loader is load.ts). The file format is described in docs/model.md, "Calibration".
 */
import { z } from 'zod';
import type { CheckpointCosts, ResolvedCosts, RestoreScope } from '../model';
import { durationSchema, rateSchema, sizeSchema } from './quantities';
import { issueToInvalidInput } from './zod-issue';
import {
  COST_FIELDS,
  RESTORE_MODES,
  type CalibrationProfile,
  type DowntimeError,
  type HostDescription,
  type ProfileCosts,
  type ProfileRun,
  type Provenance,
  type RestoreCosts,
  type RestoreModeName,
} from './profile-types';

/** Identifies the format of a profile file. */
export const PROFILE_SCHEMA = 'ferry.calibration-profile/v1' satisfies CalibrationProfile['schema'];

/** Profile names: lower-case letters, digits, `.`, `_` and `-`, starting with a letter or digit. */
export const PROFILE_NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/;

const text = (what: string): z.ZodType<string, unknown> =>
  z.string({ error: `expected ${what} (a string)` }).min(1, { error: `expected ${what}, not empty` });

const percent = z
  .number({ error: 'expected a percentage (a number, 0 or more)' })
  .nonnegative({ error: 'expected a percentage, 0 or more' });

const unknownFields =
  (shape: string) =>
  (iss: { code?: string; keys?: readonly string[] }): string =>
    iss.code === 'unrecognized_keys'
      ? `no unknown field(s) ${(iss.keys ?? []).map((k) => JSON.stringify(k)).join(', ')} (${shape})`
      : `an object ${shape}`;

const costsSchema: z.ZodType<ProfileCosts, unknown> = z.strictObject(
  {
    freezeBase: durationSchema(),
    freezePerProcess: durationSchema(),
    dumpRate: rateSchema(),
    deltaRate: rateSchema(),
    restoreBase: durationSchema(),
    restorePerProcess: durationSchema(),
    restoreRate: rateSchema(),
    restoreScope: z.enum(['full-image', 'residual'] satisfies RestoreScope[], {
      error: 'expected "full-image" or "residual"',
    }),
    faultSize: sizeSchema(),
  },
  { error: unknownFields(`{ ${COST_FIELDS.join(', ')} }`) },
);

const restoreCostsSchema: z.ZodType<RestoreCosts, unknown> = z.strictObject(
  {
    restoreBase: durationSchema().optional(),
    restorePerProcess: durationSchema().optional(),
    restoreRate: rateSchema().optional(),
  },
  { error: unknownFields('{ restoreBase?, restorePerProcess?, restoreRate? }') },
);

const hostSchema: z.ZodType<HostDescription, unknown> = z.strictObject(
  {
    description: text('a description of the hosts the runs were measured on'),
    kernel: text('the kernel').optional(),
    cpus: z
      .number({ error: 'expected a whole number of CPUs' })
      .int({ error: 'expected a whole number of CPUs' })
      .positive({ error: 'expected 1 CPU or more' })
      .optional(),
    criu: text('the CRIU version').optional(),
    runc: text('the runc version').optional(),
    docker: text('the Docker Engine version').optional(),
    containerd: text('the containerd version').optional(),
    dirtyTracking: z.boolean({ error: 'expected true or false' }).optional(),
  },
  {
    error: unknownFields(
      '{ description, kernel?, cpus?, criu?, runc?, docker?, containerd?, dirtyTracking? }',
    ),
  },
);

const runSchema: z.ZodType<ProfileRun, unknown> = z.strictObject(
  {
    id: text('the run id (a migration id, or a log line)'),
    source: text('the file the run comes from').optional(),
    description: text('a description of the run').optional(),
    measuredDowntime: durationSchema().optional(),
    predictedDowntime: durationSchema().optional(),
  },
  { error: unknownFields('{ id, source?, description?, measuredDowntime?, predictedDowntime? }') },
);

const errorSchema: z.ZodType<DowntimeError, unknown> = z.strictObject(
  {
    measure: text('what was predicted and compared with the measured downtime'),
    runs: z
      .number({ error: 'expected a number of runs' })
      .int({ error: 'expected a whole number of runs' })
      .nonnegative({ error: 'expected 0 runs or more' }),
    medianAbsPercent: percent,
    maxAbsPercent: percent,
    before: z
      .strictObject(
        { costs: text('the costs compared with'), medianAbsPercent: percent, maxAbsPercent: percent },
        { error: unknownFields('{ costs, medianAbsPercent, maxAbsPercent }') },
      )
      .optional(),
  },
  { error: unknownFields('{ measure, runs, medianAbsPercent, maxAbsPercent, before? }') },
);

const provenanceSchema: z.ZodType<Provenance, unknown> = z.strictObject(
  {
    date: z.iso.date({ error: 'expected a date like "2026-11-22"' }),
    host: hostSchema,
    link: text('the link the runs used').optional(),
    workload: text('the workload of the runs').optional(),
    method: text('how the costs were fitted'),
    base: text('the profile the unfitted costs come from').optional(),
    fitted: z.array(z.enum(COST_FIELDS, { error: `expected a cost field: ${COST_FIELDS.join(', ')}` }), {
      error: 'expected a list of the cost fields that were fitted',
    }),
    runs: z
      .array(runSchema, { error: 'expected a list of the runs the costs were fitted to' })
      .min(1, { error: 'expected at least one run' }),
    error: z.array(errorSchema, { error: 'expected a list of error figures' }),
    notes: z.array(text('a note'), { error: 'expected a list of notes (strings)' }).optional(),
  },
  {
    error: unknownFields('{ date, host, link?, workload?, method, base?, fitted, runs, error, notes? }'),
  },
);

/** The profile file's schema. */
export const calibrationProfileSchema: z.ZodType<CalibrationProfile, unknown> = z.strictObject(
  {
    $comment: z.string({ error: 'expected a comment (a string)' }).optional(),
    schema: z.literal(PROFILE_SCHEMA, { error: `expected ${JSON.stringify(PROFILE_SCHEMA)}` }),
    name: z.string({ error: 'expected a profile name' }).regex(PROFILE_NAME, {
      error: 'expected a profile name: lower-case letters, digits, ".", "_" and "-"',
    }),
    description: text('what the profile is for'),
    costs: costsSchema,
    restoreModes: z
      .strictObject(
        { 'pages-by-reference': restoreCostsSchema.optional(), 'engine-copy': restoreCostsSchema.optional() },
        { error: unknownFields(`{ ${RESTORE_MODES.map((m) => `"${m}"?`).join(', ')} }`) },
      )
      .optional(),
    provenance: provenanceSchema,
  },
  {
    error: unknownFields('{ $comment?, schema, name, description, costs, restoreModes?, provenance }'),
  },
);

/**
 * Parses a profile's JSON value. `source` names the file in errors.
 * @throws InvalidInput naming the file and the first bad field, e.g.
 *   `invalid costs.dumpRate.unit in calibration profile x.json: got "Mb/s", expected one of ...`.
 */
export function parseCalibrationProfile(data: unknown, source: string): CalibrationProfile {
  const parsed = calibrationProfileSchema.safeParse(data);
  if (parsed.success) return parsed.data;
  throw issueToInvalidInput(parsed.error, data, `calibration profile ${source}`);
}

/**
 * The costs a profile gives the planner for a restore mode: its `costs`, with the mode's overrides from
 * `restoreModes` (seconds, bytes per second, bytes). Has no `dirtyTracking`: that is the host's, not the
 * profile's.
 */
export function profileCosts(profile: CalibrationProfile, restoreMode?: RestoreModeName): CheckpointCosts {
  const o = restoreMode === undefined ? undefined : profile.restoreModes?.[restoreMode];
  return {
    ...profile.costs,
    ...(o?.restoreBase !== undefined ? { restoreBase: o.restoreBase } : {}),
    ...(o?.restorePerProcess !== undefined ? { restorePerProcess: o.restorePerProcess } : {}),
    ...(o?.restoreRate !== undefined ? { restoreRate: o.restoreRate } : {}),
  };
}

/** A profile's costs for a restore mode with every model field present (`dirtyTracking` as given). */
export function resolvedProfileCosts(
  profile: CalibrationProfile,
  restoreMode: RestoreModeName | undefined,
  dirtyTracking: boolean,
): ResolvedCosts {
  return { ...profile.costs, ...profileCosts(profile, restoreMode), dirtyTracking };
}
