/**
 * zod schemas for everything the campaign reads back: the migration journals the `ferry migrate` child
 * writes (only the fields the campaign needs; the engine's own schema is its business and may grow), the
 * `--json` report, the Docker Engine API's container list and runc's `state.json`. Pure.
 */
import { z } from 'zod';

/** One journal transition. */
const journalEntry = z.looseObject({
  state: z.string(),
  at: z.string(),
  note: z.string().optional(),
});

/** A host as a journal records it (only what the campaign looks at). */
const journalHost = z.looseObject({
  cluster: z.string(),
  host: z.looseObject({
    workDir: z.string(),
    dockerDataRoot: z.string().optional(),
    authorizedKeysFile: z.string().optional(),
  }),
});

/** A migration journal as read from `$HOME/.ferry/journal/<id>.json`. */
export const journalSchema = z.looseObject({
  schema: z.string(),
  migrationId: z.string().regex(/^[A-Za-z0-9-]{1,64}$/),
  containerName: z.string(),
  source: journalHost,
  target: journalHost,
  sourceContainerId: z.string(),
  targetContainerId: z.string().optional(),
  checkpointName: z.string(),
  sourceDir: z.string(),
  targetDir: z.string(),
  authorizedKeysFile: z.string().optional(),
  fence: z.looseObject({ reason: z.string() }).optional(),
  state: z.string(),
  history: z.array(journalEntry),
});

/** A journal as the campaign sees it. */
export type SeenJournal = z.infer<typeof journalSchema>;

/** The part of `ferry migrate --json`'s report the campaign checks. */
export const reportSchema = z.looseObject({
  migrationId: z.string(),
  container: z.string(),
  from: z.string(),
  to: z.string(),
  targetContainerId: z.string().optional(),
  downtime: z.number().optional(),
});

/** A parsed migration report. */
export type SeenReport = z.infer<typeof reportSchema>;

/** `GET /containers/json` of the Docker Engine API. */
export const containerListSchema = z.array(
  z.looseObject({
    Id: z.string(),
    Names: z.array(z.string()),
    State: z.string(),
    Labels: z.record(z.string(), z.string()).nullable().optional(),
  }),
);

/** runc's `<root>/<id>/state.json` (the fields that tell whether the container's init process lives). */
export const runcStateSchema = z.looseObject({
  id: z.string(),
  init_process_pid: z.number().int(),
  init_process_start: z.number().int(),
});

/** Parses JSON text with `schema`; `undefined` when it is not JSON or does not match. */
export function parseWith<T>(schema: z.ZodType<T>, text: string): T | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const r = schema.safeParse(value);
  return r.success ? r.data : undefined;
}

/** Like {@link parseWith}, but says why it failed (first issue, one line). */
export function parseOrWhy<T>(
  schema: z.ZodType<T>,
  text: string,
): { ok: true; value: T } | { ok: false; why: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, why: `not JSON: ${(e as Error).message.split('\n')[0]}` };
  }
  const r = schema.safeParse(value);
  if (r.success) return { ok: true, value: r.data };
  const issue = r.error.issues[0];
  return { ok: false, why: `${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'does not match'}` };
}

/** `POST /containers/create`'s answer. */
export const createdSchema = z.looseObject({ Id: z.string() });
