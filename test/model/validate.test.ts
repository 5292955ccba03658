import { InvalidInput } from '../../provider/errors';
import {
  DEFAULT_POLICY,
  deriveParams,
  resolveInputs,
  UNCALIBRATED_COSTS,
  type ModelInputs,
} from '../../provider/model';
import { mbit, mib, millis, seconds } from '../../provider/units';
import { withField } from '../support/with-field';
import { inputs } from './fixtures';

/** A JSON copy of the default inputs with `path` set to `value` (or deleted when `value` is `undefined`). */
const withInput = (path: string, value: unknown): ModelInputs =>
  withField(inputs(), path, value) as unknown as ModelInputs;

function rejection(i: ModelInputs): InvalidInput {
  try {
    resolveInputs(i);
  } catch (e) {
    if (e instanceof InvalidInput) return e;
    throw e;
  }
  throw new Error('resolveInputs accepted the input');
}

describe('resolveInputs rejects bad input, naming the field and the value', () => {
  it.each<[string, unknown, string?]>([
    ['container.memory', -1],
    ['container.memory', Number.NaN],
    ['container.memory', 0],
    ['container.memory', Infinity],
    ['container.memory', '256MiB'],
    ['container.dirtyRate', -5],
    ['container.dirtyRate', Number.NaN],
    ['container.dirtySamples', 'many'],
    ['container.workingSet', -1],
    ['container.workingSet', mib(512)],
    ['container.rootfsDiff', -1],
    ['container.processes', 0],
    ['container.processes', 1.5],
    ['container.pageSize', 0],
    ['container.pageSize', 100.5],
    ['container', null],
    ['link.rtt', 61],
    ['link.rtt', 120],
    ['link.rtt', -0.01],
    ['link.rtt', Number.NaN],
    ['link.rtt', undefined],
    ['link.bandwidth', 0],
    ['link.bandwidth', -1],
    ['link.bandwidth', Number.NaN],
    ['link.bandwidth', 100],
    ['link.bandwidthSamples', {}],
    ['link.bandwidthOverride', 0],
    ['link', []],
    ['link.costs', 'fast'],
    ['link.costs.dirtyTracking', 'yes'],
    ['link.costs.freezeBase', -1],
    ['link.costs.dumpRate', 0],
    ['link.costs.restoreRate', Infinity],
    ['link.costs.restoreScope', 'partial'],
    ['link.costs.faultSize', 0],
    ['policy', 5],
    ['policy.targetDowntime', 0],
    ['policy.targetDowntime', -1],
    ['policy.timeBudget', 0],
    ['policy.maxRounds', -1],
    ['policy.maxRounds', 2.5],
    ['policy.maxRounds', 1001],
    ['policy.ewmaWeight', 0],
    ['policy.ewmaWeight', 1.5],
    ['policy.stallWindow', 0],
    ['policy.minProgress', 1],
    ['policy.downtimeTolerance', 0.5],
    ['policy.postCopyAllowed', 'true'],
  ])('%s = %p', (path, value) => {
    const e = rejection(withInput(path, value));
    expect(e.field).toBe(path);
    expect(Object.is(e.value, value)).toBe(true);
    expect(e.message).toContain(`invalid ${path}: got `);
  });

  it.each<[string, unknown, string, unknown]>([
    ['container.dirtySamples', [5], 'container.dirtySamples[0]', 5],
    ['container.dirtySamples', [{ volume: 1, interval: 0 }], 'container.dirtySamples[0].interval', 0],
    [
      'container.dirtySamples',
      [
        { volume: 1, interval: 1 },
        { volume: -1, interval: 1 },
      ],
      'container.dirtySamples[1].volume',
      -1,
    ],
    ['link.bandwidthSamples', [{ bytes: 1e6, duration: 0 }], 'link.bandwidthSamples[0].duration', 0],
    ['link.bandwidthSamples', [{ bytes: 1e6, duration: -1 }], 'link.bandwidthSamples[0].duration', -1],
  ])('%s = %j rejects %s', (path, value, field, bad) => {
    const e = rejection(withInput(path, value));
    expect(e.field).toBe(field);
    expect(e.value).toBe(bad);
  });

  it('names the whole sample when a measured transfer is slower than 1000 bytes/s', () => {
    const e = rejection(withInput('link.bandwidthSamples', [{ bytes: 10, duration: 1 }]));
    expect(e.field).toBe('link.bandwidthSamples[0]');
    expect(e.value).toBe(10);
  });

  it('says an RTT above 60 s is probably milliseconds', () => {
    expect(rejection(withInput('link.rtt', 50_000)).message).toMatch(/milliseconds passed as seconds/);
  });

  it('rejects a working set above the memory, naming the memory size', () => {
    expect(rejection(withInput('container.workingSet', mib(300))).message).toContain(
      `at most container.memory (${mib(256)} bytes)`,
    );
  });

  it('needs a dirty rate or dirty samples', () => {
    const none = withInput('container.dirtyRate', undefined);
    expect(rejection(none).field).toBe('container.dirtyRate');
    const empty = { ...none, container: { ...none.container, dirtySamples: [] } };
    expect(rejection(empty).field).toBe('container.dirtyRate');
  });

  it('needs a bandwidth, bandwidth samples or an override', () => {
    const none = withInput('link.bandwidth', undefined);
    expect(rejection(none).field).toBe('link.bandwidth');
    expect(rejection({ ...none, link: { ...none.link, bandwidthSamples: [] } }).field).toBe('link.bandwidth');
    expect(() =>
      resolveInputs({ ...none, link: { ...none.link, bandwidthOverride: mbit(10) } }),
    ).not.toThrow();
  });

  it('rejects inputs that are not an object', () => {
    expect(rejection(null as unknown as ModelInputs).field).toBe('inputs');
  });
});

describe('resolveInputs fills defaults', () => {
  it('takes the uncalibrated costs and the default policy', () => {
    const r = resolveInputs(inputs());
    expect(r.link.costs).toEqual(UNCALIBRATED_COSTS);
    expect(r.policy).toEqual(DEFAULT_POLICY);
    expect(r.container.workingSet).toBe(mib(256));
    expect(r.container.pageSize).toBe(4096);
  });

  it('keeps given values and drops unknown fields', () => {
    const raw = inputs({
      container: { workingSet: mib(64), pageSize: 16384 as never },
      link: { costs: { dirtyTracking: true, restoreScope: 'residual' } },
      policy: { targetDowntime: millis(500), timeBudget: null, maxRounds: 0, postCopyAllowed: true },
    });
    const r = resolveInputs({ ...raw, extra: 1 } as ModelInputs);
    expect(r.container.workingSet).toBe(mib(64));
    expect(r.container.pageSize).toBe(16384);
    expect(r.link.costs.dirtyTracking).toBe(true);
    expect(r.link.costs.restoreScope).toBe('residual');
    expect(r.link.costs.freezeBase).toBe(UNCALIBRATED_COSTS.freezeBase);
    expect(r.policy.targetDowntime).toBeCloseTo(0.5);
    expect(r.policy.timeBudget).toBeNull();
    expect(r.policy.maxRounds).toBe(0);
    expect(r).not.toHaveProperty('extra');
  });

  it('takes dirty samples alone, without a dirty rate', () => {
    const raw = withInput('container.dirtyRate', undefined);
    const r = resolveInputs({
      ...raw,
      container: { ...raw.container, dirtySamples: [{ volume: mib(3), interval: seconds(1) }] },
    });
    expect(r.container).not.toHaveProperty('dirtyRate');
    expect(deriveParams(r).dirtyRate).toBe(mib(3));
  });

  it('is idempotent: resolved inputs resolve to themselves', () => {
    const once = resolveInputs(
      inputs({
        container: { dirtySamples: [{ volume: mib(1), interval: millis(500) }] },
        link: { bandwidthSamples: [{ bytes: mib(10), duration: millis(900) }], bandwidthOverride: mbit(50) },
        policy: { timeBudget: millis(60_000) },
      }),
    );
    expect(resolveInputs(once)).toEqual(once);
    expect(resolveInputs(JSON.parse(JSON.stringify(once)) as ModelInputs)).toEqual(once);
  });
});
