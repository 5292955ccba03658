/**
 * Pure builders of `criu` argument vectors for preflight checks, and a parser of its version.
 * runc finds `criu` on the host's PATH; so does this.
 */
import { InvalidInput } from '../../errors';

/** `criu --version` (prints `Version: 4.1.1`). */
export function criuVersionArgv(): string[] {
  return ['criu', '--version'];
}

/**
 * `criu check` (exit 0 and "Looks good." when the kernel supports what CRIU needs), or with `feature`
 * `criu check --feature <feature>` (exit 0 when supported), e.g. `mem_dirty_track`, `uffd-noncoop`.
 */
export function criuCheckArgv(feature?: string): string[] {
  if (feature === undefined) return ['criu', 'check'];
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(feature)) {
    throw new InvalidInput(
      'feature',
      feature,
      'a CRIU feature name like "mem_dirty_track" or "uffd-noncoop"',
    );
  }
  return ['criu', 'check', '--feature', feature];
}

/** A CRIU version. */
export interface CriuVersion {
  /** Major version. */
  readonly major: number;
  /** Minor version. */
  readonly minor: number;
  /** Patch level (0 when absent, as in `Version: 3.17`). */
  readonly patch: number;
  /** The version text as printed. */
  readonly text: string;
}

/** Parses `criu --version` output. @throws InvalidInput when there is no `Version: X.Y[.Z]` line. */
export function parseCriuVersion(stdout: string): CriuVersion {
  const m = /^Version:\s*(\d+)\.(\d+)(?:\.(\d+))?/m.exec(stdout);
  if (!m) throw new InvalidInput('criu --version output', stdout.slice(0, 200), 'a "Version: X.Y[.Z]" line');
  return {
    major: Number(m[1]),
    minor: Number(m[2]),
    patch: Number(m[3] ?? 0),
    text: `${m[1]}.${m[2]}${m[3] !== undefined ? `.${m[3]}` : ''}`,
  };
}

/** True when `v` is at least `major.minor.patch`. */
export function criuAtLeast(v: CriuVersion, major: number, minor = 0, patch = 0): boolean {
  if (v.major !== major) return v.major > major;
  if (v.minor !== minor) return v.minor > minor;
  return v.patch >= patch;
}
