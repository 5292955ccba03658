/**
 * What migrations leave on the hosts, as data (pure): migration dirs, checkpoint dirs, pages kept by
 * reference, containerd's unpacked checkpoint copies, per-migration authorized_keys lines and processes
 * (ssh control masters, receivers). The campaign takes one footprint before a trial and one after its
 * recovery; whatever is new was left behind by the trial.
 */

/** The pattern of a migration id (UTC time and 6 hex digits, see the engine's `newMigrationId`). */
export const MIGRATION_ID_IN_TEXT = /ferry-(?:migration-)?(\d{8}-\d{6}-[0-9a-f]{6})/;

/** One thing a migration may leave behind. */
export type FootprintItem =
  /** A file or directory (`what` says which kind). */
  | { readonly kind: 'path'; readonly what: string; readonly path: string }
  /** A line of an authorized_keys file, identified by its marker (`ferry-migration-<id>`). */
  | { readonly kind: 'key-line'; readonly file: string; readonly marker: string }
  /** A process whose command line names a migration. */
  | { readonly kind: 'process'; readonly pid: number; readonly cmd: string };

/** A one-line label of an item; two items with the same label are the same item. */
export function itemLabel(i: FootprintItem): string {
  switch (i.kind) {
    case 'path':
      return `${i.what} ${i.path}`;
    case 'key-line':
      return `authorized_keys line ${i.marker} in ${i.file}`;
    case 'process':
      return `process ${i.pid}: ${i.cmd.slice(0, 160)}`;
  }
}

/** Items of `after` that are not in `before` (compared by {@link itemLabel}), in `after`'s order. */
export function newItems(before: readonly FootprintItem[], after: readonly FootprintItem[]): FootprintItem[] {
  const seen = new Set(before.map(itemLabel));
  return after.filter((i) => !seen.has(itemLabel(i)));
}

/** The migration id an item names, if any. */
export function migrationIdOf(i: FootprintItem): string | undefined {
  const text = i.kind === 'path' ? i.path : i.kind === 'key-line' ? i.marker : i.cmd;
  return MIGRATION_ID_IN_TEXT.exec(text)?.[1];
}

/** The `ferry-migration-<id>` markers of the authorized_keys lines in `text`. */
export function keyMarkers(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /\bferry-migration-[A-Za-z0-9-]{1,64}\b/.exec(line);
    if (m) out.push(m[0]);
  }
  return out;
}

/** `text` without the lines that carry one of `markers` (the campaign's cleanup of key lines). */
export function withoutKeyLines(text: string, markers: readonly string[]): string {
  return text
    .split('\n')
    .filter((line) => !markers.some((m) => new RegExp(`\\b${m}\\b`).test(line)))
    .join('\n');
}

/** When a migration id says its migration started (its `YYYYMMDD-HHMMSS` UTC prefix), ms since the epoch. */
export function idStartMs(id: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})-/.exec(id);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s);
}

/** What the trial knows of its own migrations, to tell its leftovers from another user's. */
export interface TrialMigrations {
  /** Ids of the trial's journals. */
  readonly ids: ReadonlySet<string>;
  /** When the trial's `ferry migrate` children ran, [start, end] in ms since the epoch. */
  readonly windows: readonly (readonly [number, number])[];
  /** Whether anyone else used the bed during the trial (then only journal ids count). */
  readonly shared: boolean;
}

/**
 * Splits new items into the trial's own (named by one of its journals, or, on an unshared bed, by an id that
 * started while one of its controllers ran: a migration refused before it wrote a journal) and the others'.
 */
export function attribute(
  items: readonly FootprintItem[],
  t: TrialMigrations,
): { mine: FootprintItem[]; others: FootprintItem[] } {
  const mine: FootprintItem[] = [];
  const others: FootprintItem[] = [];
  for (const i of items) {
    const id = migrationIdOf(i);
    const at = id === undefined ? undefined : idStartMs(id);
    const inWindow =
      at !== undefined &&
      t.windows.some(([a, b]) => at >= Math.floor(a / 1000) * 1000 - 1000 && at <= b + 1000);
    if (id !== undefined && (t.ids.has(id) || (!t.shared && inWindow))) mine.push(i);
    else others.push(i);
  }
  return { mine, others };
}
