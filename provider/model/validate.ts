/**
 * Validation of model inputs. Every bad value throws `InvalidInput` naming its dotted field path (e.g.
 * `link.rtt`) and the value received; missing optional fields take their defaults.
 */
import { InvalidInput } from '../errors';
import type { Bytes, BytesPerSecond, Duration } from '../units';
import {
  DEFAULT_PAGE_SIZE,
  DEFAULT_POLICY,
  MAX_RTT,
  MIN_BANDWIDTH,
  ROUND_LIMIT,
  UNCALIBRATED_COSTS,
} from './defaults';
import { transferRate } from './ewma';
import type {
  ContainerProfile,
  DirtySample,
  LinkProfile,
  ModelInputs,
  ResolvedCosts,
  ResolvedInputs,
  ResolvedPolicy,
  TransferSample,
} from './inputs';

type Fields = Record<string, unknown>;

function record(value: unknown, path: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new InvalidInput(path, value, 'an object');
  return value as Fields;
}

function finite(value: unknown, path: string, expected: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new InvalidInput(path, value, expected);
  return value;
}

/** A number in [min, max] (or (min, max] when `open`), described by `expected` in errors. */
function inRange(value: unknown, path: string, expected: string, min: number, max = Infinity, open = false) {
  const n = finite(value, path, expected);
  if (n < min || n > max || (open && n === min)) throw new InvalidInput(path, value, expected);
  return n;
}

/** Checks a size in bytes (finite, >= 0, or > 0 when `positive`); throws `InvalidInput` naming `path`. */
export const checkBytes = (v: unknown, path: string, positive = false): Bytes =>
  inRange(
    v,
    path,
    `a finite number of bytes${positive ? ' above zero' : ', zero or more'}`,
    0,
    Infinity,
    positive,
  ) as Bytes;

/** Checks a duration in seconds (finite, >= 0, or > 0 when `positive`); throws `InvalidInput` naming `path`. */
export const checkSeconds = (v: unknown, path: string, positive = false): Duration =>
  inRange(
    v,
    path,
    `a finite duration in seconds${positive ? ' above zero' : ', zero or more'}`,
    0,
    Infinity,
    positive,
  ) as Duration;

const rate = (v: unknown, path: string): BytesPerSecond =>
  inRange(v, path, 'a finite rate in bytes per second above zero', 0, Infinity, true) as BytesPerSecond;

function integer(v: unknown, path: string, min: number, max: number): number {
  const expected = `an integer from ${min} to ${max}`;
  const n = inRange(v, path, expected, min, max);
  if (!Number.isInteger(n)) throw new InvalidInput(path, v, expected);
  return n;
}

function flag(v: unknown, path: string): boolean {
  if (typeof v !== 'boolean') throw new InvalidInput(path, v, 'true or false');
  return v;
}

function list(v: unknown, path: string): readonly unknown[] {
  if (!Array.isArray(v)) throw new InvalidInput(path, v, 'an array');
  return v as unknown[];
}

/** A link rate: above {@link MIN_BANDWIDTH}, to catch Mbit/s passed as bytes per second. */
function linkRate(v: unknown, path: string): BytesPerSecond {
  const expected = `a rate in bytes per second of at least ${MIN_BANDWIDTH} (smaller values are usually Mbit/s passed as bytes/s: use mbit())`;
  return inRange(v, path, expected, MIN_BANDWIDTH) as BytesPerSecond;
}

function resolveContainer(value: unknown): ResolvedInputs['container'] {
  const c = record(value, 'container');
  const memory = checkBytes(c.memory, 'container.memory', true);
  const dirtySamples =
    c.dirtySamples === undefined
      ? undefined
      : list(c.dirtySamples, 'container.dirtySamples').map((s, i): DirtySample => {
          const p = `container.dirtySamples[${i}]`;
          const f = record(s, p);
          return {
            volume: checkBytes(f.volume, `${p}.volume`),
            interval: checkSeconds(f.interval, `${p}.interval`, true),
          };
        });
  const dirtyRate =
    c.dirtyRate === undefined
      ? undefined
      : (inRange(
          c.dirtyRate,
          'container.dirtyRate',
          'a finite rate in bytes per second, zero or more',
          0,
        ) as BytesPerSecond);
  if (dirtyRate === undefined && (dirtySamples === undefined || dirtySamples.length === 0))
    throw new InvalidInput(
      'container.dirtyRate',
      dirtyRate,
      'a dirty rate in bytes per second, or at least one of container.dirtySamples',
    );
  const workingSet = c.workingSet === undefined ? memory : checkBytes(c.workingSet, 'container.workingSet');
  if (workingSet > memory)
    throw new InvalidInput('container.workingSet', workingSet, `at most container.memory (${memory} bytes)`);
  const out: ContainerProfile & { workingSet: Bytes; pageSize: Bytes } = {
    memory,
    ...(dirtyRate === undefined ? {} : { dirtyRate }),
    ...(dirtySamples === undefined ? {} : { dirtySamples }),
    workingSet,
    rootfsDiff: checkBytes(c.rootfsDiff, 'container.rootfsDiff'),
    processes: integer(c.processes, 'container.processes', 1, 1e9),
    pageSize: (c.pageSize === undefined
      ? DEFAULT_PAGE_SIZE
      : integer(c.pageSize, 'container.pageSize', 1, 2 ** 30)) as Bytes,
  };
  return out;
}

function resolveCosts(value: unknown): ResolvedCosts {
  const c = value === undefined ? {} : record(value, 'link.costs');
  const d = UNCALIBRATED_COSTS;
  const pick = <T>(key: keyof ResolvedCosts, check: (v: unknown, path: string) => T, fallback: T): T =>
    c[key] === undefined ? fallback : check(c[key], `link.costs.${key}`);
  const scope = pick(
    'restoreScope',
    (v, p) => {
      if (v !== 'full-image' && v !== 'residual') throw new InvalidInput(p, v, '"full-image" or "residual"');
      return v;
    },
    d.restoreScope,
  );
  return {
    dirtyTracking: pick('dirtyTracking', flag, d.dirtyTracking),
    freezeBase: pick('freezeBase', (v, p) => checkSeconds(v, p), d.freezeBase),
    freezePerProcess: pick('freezePerProcess', (v, p) => checkSeconds(v, p), d.freezePerProcess),
    dumpRate: pick('dumpRate', rate, d.dumpRate),
    deltaRate: pick('deltaRate', rate, d.deltaRate),
    restoreBase: pick('restoreBase', (v, p) => checkSeconds(v, p), d.restoreBase),
    restorePerProcess: pick('restorePerProcess', (v, p) => checkSeconds(v, p), d.restorePerProcess),
    restoreRate: pick('restoreRate', rate, d.restoreRate),
    restoreScope: scope,
    faultSize: pick('faultSize', (v, p) => checkBytes(v, p, true), d.faultSize),
  };
}

function resolveLink(value: unknown): ResolvedInputs['link'] {
  const l = record(value, 'link');
  const rttExpected = `a round-trip time in seconds from 0 to ${MAX_RTT} (larger values are usually milliseconds passed as seconds: use millis())`;
  const rtt = inRange(l.rtt, 'link.rtt', rttExpected, 0, MAX_RTT) as Duration;
  const bandwidth = l.bandwidth === undefined ? undefined : linkRate(l.bandwidth, 'link.bandwidth');
  const samples =
    l.bandwidthSamples === undefined
      ? undefined
      : list(l.bandwidthSamples, 'link.bandwidthSamples').map((s, i): TransferSample => {
          const p = `link.bandwidthSamples[${i}]`;
          const f = record(s, p);
          const sample = {
            bytes: checkBytes(f.bytes, `${p}.bytes`),
            duration: checkSeconds(f.duration, `${p}.duration`, true),
          };
          linkRate(transferRate(sample), p);
          return sample;
        });
  const override =
    l.bandwidthOverride === undefined ? undefined : linkRate(l.bandwidthOverride, 'link.bandwidthOverride');
  if (bandwidth === undefined && override === undefined && (samples === undefined || samples.length === 0))
    throw new InvalidInput(
      'link.bandwidth',
      bandwidth,
      'a bandwidth in bytes per second, link.bandwidthSamples or link.bandwidthOverride',
    );
  const out: LinkProfile & { costs: ResolvedCosts } = {
    rtt,
    ...(bandwidth === undefined ? {} : { bandwidth }),
    ...(samples === undefined ? {} : { bandwidthSamples: samples }),
    ...(override === undefined ? {} : { bandwidthOverride: override }),
    costs: resolveCosts(l.costs),
  };
  return out;
}

function resolvePolicy(value: unknown): ResolvedPolicy {
  const p = value === undefined ? {} : record(value, 'policy');
  const d = DEFAULT_POLICY;
  const pick = <T>(key: keyof ResolvedPolicy, check: (v: unknown, path: string) => T, fallback: T): T =>
    p[key] === undefined ? fallback : check(p[key], `policy.${key}`);
  return {
    targetDowntime: pick('targetDowntime', (v, f) => checkSeconds(v, f, true), d.targetDowntime),
    timeBudget:
      p.timeBudget === null ? null : pick('timeBudget', (v, f) => checkSeconds(v, f, true), d.timeBudget),
    postCopyAllowed: pick('postCopyAllowed', flag, d.postCopyAllowed),
    extraDowntimeAcceptable: pick('extraDowntimeAcceptable', flag, d.extraDowntimeAcceptable),
    maxRounds: pick('maxRounds', (v, f) => integer(v, f, 0, ROUND_LIMIT), d.maxRounds),
    ewmaWeight: pick('ewmaWeight', (v, f) => inRange(v, f, 'a weight in (0, 1]', 0, 1, true), d.ewmaWeight),
    stallWindow: pick('stallWindow', (v, f) => integer(v, f, 1, ROUND_LIMIT), d.stallWindow),
    minProgress: pick(
      'minProgress',
      (v, f) => inRange(v, f, 'a fraction in [0, 1)', 0, 1 - Number.EPSILON),
      d.minProgress,
    ),
    downtimeTolerance: pick(
      'downtimeTolerance',
      (v, f) => inRange(v, f, 'a factor of 1 or more', 1, 1e6),
      d.downtimeTolerance,
    ),
  };
}

/**
 * Checks `inputs` and fills in defaults. Throws `InvalidInput` with the field path (e.g. `link.rtt`,
 * `container.dirtySamples[2].interval`) and the value for: non-objects, NaN or infinite numbers, negative
 * sizes, a memory of zero, a bandwidth of zero (or below 1000 bytes/s), an RTT above 60 s (milliseconds
 * passed as seconds), a working set above the memory size, non-integer counts, out-of-range fractions, and
 * missing dirty rate or bandwidth. The result is itself valid input and resolves to itself.
 */
export function resolveInputs(inputs: ModelInputs): ResolvedInputs {
  const top = record(inputs, 'inputs');
  return {
    container: resolveContainer(top.container),
    link: resolveLink(top.link),
    policy: resolvePolicy(top.policy),
  };
}
