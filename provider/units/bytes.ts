import { InvalidInput } from '../errors';
import type { Quantity } from './brand';

/** An amount of data, in bytes. Non-negative and finite. */
export type Bytes = Quantity<'bytes'>;

/** Bytes in one KiB, MiB, GiB. */
const KIB = 1024;
const MIB = KIB * 1024;
const GIB = MIB * 1024;

/** Makes a `Bytes` from a count of bytes; rejects negative, NaN and infinite values. `field` names it in errors. */
export function bytes(n: number, field = 'bytes'): Bytes {
  if (!Number.isFinite(n) || n < 0)
    throw new InvalidInput(field, n, 'a finite, non-negative number of bytes');
  return n as Bytes;
}

/** `n` KiB (1024 bytes each) as `Bytes`. */
export const kib = (n: number): Bytes => bytes(n * KIB);
/** `n` MiB (1024² bytes each) as `Bytes`. */
export const mib = (n: number): Bytes => bytes(n * MIB);
/** `n` GiB (1024³ bytes each) as `Bytes`. */
export const gib = (n: number): Bytes => bytes(n * GIB);

/** The size `b` expressed in MiB (a plain number, for display and arithmetic outside the type system). */
export const inMiB = (b: Bytes): number => b / MIB;

const BYTE_SUFFIX: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  kib: KIB,
  m: 1e6,
  mb: 1e6,
  mib: MIB,
  g: 1e9,
  gb: 1e9,
  gib: GIB,
  t: 1e12,
  tb: 1e12,
  tib: GIB * 1024,
};

/** Parses `"4096"`, `"64KiB"`, `"256 MiB"`, `"1.5GB"` (SI for kB/MB/GB, binary for KiB/MiB/GiB) into `Bytes`. */
export function parseBytes(text: string, field = 'size'): Bytes {
  const m = /^\s*([0-9]*\.?[0-9]+)\s*([a-zA-Z]*)\s*$/.exec(text);
  const factor = m ? BYTE_SUFFIX[m[2]!.toLowerCase()] : undefined;
  if (!m || factor === undefined)
    throw new InvalidInput(field, text, 'a size like "4096", "64KiB", "256MiB" or "1.5GB"');
  return bytes(Number(m[1]) * factor, field);
}

/** Formats bytes with a binary unit, e.g. `256.0 MiB`. */
export function formatBytes(b: Bytes): string {
  if (b < KIB) return `${b} B`;
  if (b < MIB) return `${(b / KIB).toFixed(1)} KiB`;
  if (b < GIB) return `${(b / MIB).toFixed(1)} MiB`;
  return `${(b / GIB).toFixed(2)} GiB`;
}
