/**
 * Recent link measurements, kept in `~/.ferry/links.json` so that `ferry plan` can reuse what the last
 * migrations measured instead of probing again. The provider records the RTT and bandwidth of every
 * migration it completes. Durations in seconds, rates in bytes per second.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { linkKey } from './link-coordinator';

/** One measurement of a link. */
export interface LinkRecord {
  /** Round-trip time, seconds. */
  readonly rttSeconds: number;
  /** Bandwidth estimate, bytes per second (absent when only the RTT was measured). */
  readonly bandwidthBytesPerSecond?: number;
  /** When it was measured (ISO 8601). */
  readonly measuredAt: string;
  /** What measured it (`migration <id>`, `ferry plan probe`, ...). */
  readonly source: string;
}

/** The default cache file. */
export function defaultLinkCacheFile(): string {
  return path.join(os.homedir(), '.ferry', 'links.json');
}

/** All records, by link key (`a<->b`). A missing or unreadable file is an empty cache. */
export function readLinkCache(file: string = defaultLinkCacheFile()): Record<string, LinkRecord> {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, LinkRecord>;
  } catch {
    return {};
  }
}

/** The record of the link between two clusters when it is at most `maxAgeSeconds` old. */
export function recentLink(
  cache: Readonly<Record<string, LinkRecord>>,
  a: string,
  b: string,
  maxAgeSeconds: number,
  now: Date = new Date(),
): LinkRecord | undefined {
  const r = cache[linkKey(a, b)];
  if (r === undefined) return undefined;
  const age = (now.getTime() - Date.parse(r.measuredAt)) / 1000;
  return Number.isFinite(age) && age <= maxAgeSeconds ? r : undefined;
}

/** Records a measurement (atomically: write then rename). Failures are ignored: the cache is a hint. */
export function recordLink(
  a: string,
  b: string,
  rec: LinkRecord,
  file: string = defaultLinkCacheFile(),
): void {
  try {
    const cache = { ...readLinkCache(file), [linkKey(a, b)]: rec };
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify(cache, null, 2)}\n`);
    fs.renameSync(tmp, file);
  } catch {
    // a cache that cannot be written only costs a new measurement later
  }
}
