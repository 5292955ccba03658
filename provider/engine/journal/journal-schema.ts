/**
 * The stored shape of a migration journal, `ferry.migration-journal/v2`, and the zod schema that parses every
 * journal read back (v1 files are accepted and upgraded to v2 in memory). Pure: no I/O.
 */
import { z } from 'zod';
import { issueToInvalidInput } from '../../calibration/zod-issue';
import type { HostConfig } from '../../config/clusters';
import type { InvalidInput } from '../../errors';
import { seconds } from '../../units';
import type { Journal } from './journal';

/** Identifies the shape of a journal this version writes. */
export const JOURNAL_SCHEMA = 'ferry.migration-journal/v2';

/** The previous shape (no owner, lease, pending cleanup or `fenced` state): still read, upgraded on load. */
export const JOURNAL_SCHEMA_V1 = 'ferry.migration-journal/v1';

/** What a migration id looks like (it names the journal file): letters, digits and `-`, 1 to 64 of them. */
export const MIGRATION_ID_PATTERN = /^[A-Za-z0-9-]{1,64}$/;

/** The states of a v1 journal, in migration order. */
const V1_STATES = [
  'started',
  'prepared',
  'copying',
  'target-created',
  'frozen',
  'restoring',
  'target-running',
  'verified',
  'done',
  'rolling-back',
  'rolled-back',
  'failed',
] as const;

/** Every journal state: the v1 states and `fenced`. */
export const JOURNAL_STATES = [...V1_STATES, 'fenced'] as const;

/**
 * States of a migration; `rolled-back`, `done` and `failed` are terminal.
 * - `started`: nothing touched yet. `prepared`: migration dirs, key and receiver in place.
 * - `copying`: pre-copy rounds (the source runs). `target-created`: the target container exists, not started.
 * - `frozen`: the final checkpoint stopped the source; its images are in the source's checkpoint dir.
 * - `restoring`: the target engine is restoring. `target-running`: it runs. `verified`: it passed verification.
 * - `done`: the source container was removed. `rolling-back` / `rolled-back`: back on the source.
 * - `fenced`: the target copy could not be confirmed gone, so the source was not restarted; a person or a
 *   later recovery must check (the journal's `fence` says what). Not terminal: recovery retries it.
 * - `failed`: the rollback itself failed: needs a person (the journal says what is where).
 */
export type JournalState = (typeof JOURNAL_STATES)[number];

/** True for states after which nothing is left to do (`done`, `rolled-back`) or a person must act (`failed`). */
export function isTerminal(state: JournalState): boolean {
  return state === 'done' || state === 'rolled-back' || state === 'failed';
}

/** The fields of {@link HostConfig} that are secrets: never written to a journal. */
export const HOST_SECRET_FIELDS = ['privateKey'] as const;

/** `host` without its secrets ({@link HOST_SECRET_FIELDS}). Pure. */
export function withoutSecrets(host: HostConfig): HostConfig {
  const out = { ...host };
  for (const f of HOST_SECRET_FIELDS) delete out[f];
  return out;
}

const text = (what: string): z.ZodString =>
  z.string({ error: `expected ${what} (a string)` }).min(1, { error: `expected ${what}, not empty` });
const isoTime = (what: string): z.ZodISODateTime =>
  z.iso.datetime({ error: `expected ${what} as an ISO 8601 time like "2026-11-22T02:00:00.000Z"` });
const portNumber = z
  .number({ error: 'expected a TCP port number' })
  .int({ error: 'expected a TCP port number' })
  .min(1, { error: 'expected a TCP port in 1..65535' })
  .max(65535, { error: 'expected a TCP port in 1..65535' });
const side = z.enum(['source', 'target'], { error: 'expected "source" or "target"' });

/**
 * A host configuration as a journal keeps it: every non-secret field of {@link HostConfig} (the `satisfies`
 * makes a new HostConfig field a compile error here). Unknown fields, secrets among them, are dropped.
 */
const hostConfigInJournal = z.object(
  {
    name: text('a host name'),
    address: text('an IP address or DNS name'),
    port: portNumber,
    user: text('an SSH user name'),
    privateKeyPath: text('a path to an SSH private key').optional(),
    hostKey: text("the host's pinned public key"),
    dockerSocket: text('the Docker Engine socket path'),
    dockerDataRoot: text('the Docker data root').optional(),
    runtimeRoot: text('the runc state root').optional(),
    authorizedKeysFile: text('the path of the authorized_keys file').optional(),
    workDir: text('a work directory'),
    peers: z
      .record(z.string(), z.strictObject({ address: text('an address'), port: portNumber }), {
        error: 'expected an object "<cluster>/<host>" -> { address, port }',
      })
      .optional(),
  } satisfies Record<Exclude<keyof HostConfig, (typeof HOST_SECRET_FIELDS)[number]>, z.ZodType>,
  {
    error: 'expected a host configuration { name, address, port, user, hostKey, dockerSocket, workDir, ... }',
  },
);

const journalHost = z.strictObject(
  { cluster: text('a cluster name'), host: hostConfigInJournal },
  { error: 'expected { cluster, host }' },
);

const entry = (states: readonly [JournalState, ...JournalState[]]) =>
  z.strictObject(
    {
      state: z.enum(states, { error: `expected one of ${states.join(', ')}` }),
      at: isoTime('the time of the transition'),
      note: z.string({ error: 'expected a note (a string)' }).optional(),
    },
    { error: 'expected a history entry { state, at, note? }' },
  );

/** The fields v1 and v2 share. */
const commonShape = {
  migrationId: z.string({ error: 'expected a migration id' }).regex(MIGRATION_ID_PATTERN, {
    error: 'expected a migration id of letters, digits and "-" (at most 64)',
  }),
  containerName: text('the container name'),
  source: journalHost,
  target: journalHost,
  sourceContainerId: text('the source container id'),
  targetContainerId: text('the target container id').optional(),
  checkpointName: text('the checkpoint name'),
  sourceDir: text('the migration directory on the source'),
  targetDir: text('the migration directory on the target'),
  authorizedKeysFile: text("the target's authorized_keys file").optional(),
  sourcePagedelta: text('the path of pagedelta on the source').optional(),
};

const v1Journal = z.strictObject({
  schema: z.literal(JOURNAL_SCHEMA_V1),
  ...commonShape,
  state: z.enum(V1_STATES, { error: `expected one of ${V1_STATES.join(', ')}` }),
  history: z.array(entry(V1_STATES), { error: 'expected a list of transitions' }).min(1, {
    error: 'expected at least the first transition',
  }),
});

/** A cleanup step a later recovery must retry (see {@link CleanupStep}). */
export const cleanupStepSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({
      kind: z.literal('control-master'),
      host: z.literal('source', { error: 'expected "source"' }),
      socket: text('the control socket path'),
    }),
    z.strictObject({
      kind: z.literal('key-line'),
      host: z.literal('target', { error: 'expected "target"' }),
      file: text('the authorized_keys file'),
      migrationId: text('the migration id of the key line'),
    }),
    z.strictObject({
      kind: z.literal('remove-dir'),
      host: side,
      root: text('the directory the path lies under'),
      path: text('the directory to remove'),
    }),
    z.strictObject({ kind: z.literal('remove-container'), host: side, id: text('the container id') }),
    z.strictObject({
      kind: z.literal('ctrd-copies'),
      host: side,
      checkpointName: text('the checkpoint name'),
    }),
    z.strictObject({
      kind: z.literal('restart-policy'),
      host: side,
      containerId: text('the container id'),
      policy: text('a restart policy'),
    }),
  ],
  {
    error:
      'expected a cleanup step: control-master, key-line, remove-dir, remove-container, ctrd-copies or restart-policy',
  },
);

const v2Journal = z.strictObject({
  schema: z.literal(JOURNAL_SCHEMA),
  ...commonShape,
  restartPolicy: text('a restart policy').optional(),
  owner: z
    .strictObject(
      {
        host: text('the host name of the owner'),
        pid: z
          .number({ error: 'expected a process id' })
          .int({ error: 'expected a process id' })
          .positive({ error: 'expected a process id above 0' }),
        startedAt: isoTime('the start time of the owner process'),
      },
      { error: 'expected { host, pid, startedAt }' },
    )
    .optional(),
  lease: z
    .strictObject(
      {
        renewedAt: isoTime('the time the lease was renewed'),
        ttlSeconds: z
          .number({ error: 'expected a lease length in seconds' })
          .nonnegative({ error: 'expected a lease length of 0 s or more' })
          .transform((n) => seconds(n, 'lease.ttlSeconds')),
      },
      { error: 'expected { renewedAt, ttlSeconds }' },
    )
    .optional(),
  pendingCleanup: z.array(cleanupStepSchema, { error: 'expected a list of cleanup steps' }).optional(),
  cutoverStarted: z.boolean({ error: 'expected true or false' }).optional(),
  fence: z
    .strictObject(
      {
        reason: text('why the migration is fenced'),
        check: text('what a person must check'),
        command: text('the command that finishes the job'),
      },
      { error: 'expected { reason, check, command }' },
    )
    .optional(),
  state: z.enum(JOURNAL_STATES, { error: `expected one of ${JOURNAL_STATES.join(', ')}` }),
  history: z.array(entry(JOURNAL_STATES), { error: 'expected a list of transitions' }).min(1, {
    error: 'expected at least the first transition',
  }),
});

/** Any stored journal (v1 or v2), upgraded to v2. */
export const storedJournalSchema = z
  .discriminatedUnion('schema', [v1Journal, v2Journal], {
    error: `expected a journal with schema ${JOURNAL_SCHEMA} (or ${JOURNAL_SCHEMA_V1})`,
  })
  .transform((j): Journal => (j.schema === JOURNAL_SCHEMA_V1 ? { ...j, schema: JOURNAL_SCHEMA } : j));

/** The result of parsing a stored journal. */
export type JournalParse =
  { readonly ok: true; readonly journal: Journal } | { readonly ok: false; readonly error: InvalidInput };

/**
 * Parses a stored journal (already JSON-parsed) of either version, upgrading v1 to v2. Pure.
 * @param where - names the journal in the error, e.g. its file path.
 * @returns the journal, or an `InvalidInput` whose one-line message names `where` and the first bad field.
 */
export function parseJournal(value: unknown, where: string): JournalParse {
  const r = storedJournalSchema.safeParse(value);
  if (r.success) return { ok: true, journal: r.data };
  return { ok: false, error: issueToInvalidInput(namingUnknownKeys(r.error), value, where) };
}

/** The error with an unknown-field issue pointed at the (first) unknown field itself, not at its object. */
function namingUnknownKeys(error: z.ZodError): z.ZodError {
  const issues = error.issues.map((i) => {
    if (i.code !== 'unrecognized_keys' || i.keys[0] === undefined) return i;
    return { ...i, path: [...i.path, i.keys[0]], message: `no field ${JSON.stringify(i.keys[0])} here` };
  });
  return new z.ZodError(issues);
}

/**
 * The JSON text stored for `journal`: what the schema reads back from it, so host secrets and any field the
 * schema does not know are left out, and nothing is written that could not be read back. Pure.
 * @throws InvalidInput naming `where` and the first bad field.
 */
export function journalToJson(journal: Journal, where: string): string {
  const stored = {
    ...journal,
    source: { cluster: journal.source.cluster, host: withoutSecrets(journal.source.host) },
    target: { cluster: journal.target.cluster, host: withoutSecrets(journal.target.host) },
  };
  const parsed = parseJournal(JSON.parse(JSON.stringify(stored)), where);
  if (!parsed.ok) throw parsed.error;
  return `${JSON.stringify(parsed.journal, null, 2)}\n`;
}
