import { planInputs, ENGINE_POLICY } from '../../provider/engine/plan-inputs';
import { planMigration } from '../../provider/model';
import { bytes, mib, millis, seconds } from '../../provider/units';

const link = {
  rtt: millis(50),
  sendOverhead: seconds(0.25),
  probeBytes: mib(6),
  sample: { bytes: mib(12), duration: seconds(1) },
};
const container = (dirty?: number) => ({
  memory: mib(256),
  otherFiles: bytes(100_000),
  dirty: dirty === undefined ? undefined : { volume: mib(dirty), interval: seconds(1) },
  checkpoints: [],
});

describe('planInputs', () => {
  it.each<[number | undefined, number | undefined]>([
    [4, undefined],
    [undefined, 0],
  ])('dirty sample %s -> dirtyRate %s', (dirty, rate) => {
    const i = planInputs({
      link,
      container: container(dirty),
      rootfsDiff: bytes(0),
      processes: 0,
      policy: undefined,
      dirtyTracking: false,
    });
    expect(i.container.dirtyRate).toBe(rate);
    expect(i.container.dirtySamples?.length ?? 0).toBe(dirty === undefined ? 0 : 1);
    expect(i.container.processes).toBe(1);
    expect(i.link.bandwidthSamples).toEqual([link.sample]);
    expect(() => planMigration(i)).not.toThrow();
  });

  it('lets the request policy override the engine policy', () => {
    const i = planInputs({
      link,
      container: container(1),
      rootfsDiff: bytes(0),
      processes: 1,
      policy: { extraDowntimeAcceptable: false, maxRounds: 2 },
      dirtyTracking: false,
    });
    expect(ENGINE_POLICY.extraDowntimeAcceptable).toBe(true);
    expect(i.policy).toEqual({ extraDowntimeAcceptable: false, maxRounds: 2 });
  });
});
