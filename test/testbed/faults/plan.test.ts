import { CONTROLLER_DISK_STATES, FAULT_FAMILIES, TRIGGER_STATES } from '../../../testbed/faults/fault-kinds';
import {
  faultKind,
  faultLabel,
  familyOrder,
  planCampaign,
  planTrial,
  triggerLabel,
  type FaultPlan,
} from '../../../testbed/faults/plan';

const all = { seed: 7, trials: 24, families: FAULT_FAMILIES };

describe('planCampaign', () => {
  it('draws the same plans from the same seed', () => {
    expect(planCampaign(all)).toEqual(planCampaign(all));
  });

  it('draws other plans from another seed', () => {
    expect(planCampaign({ ...all, seed: 8 })).not.toEqual(planCampaign(all));
  });

  it('gives trial k alone the plan it has in the whole campaign (--only-trial)', () => {
    const plans = planCampaign(all);
    for (const k of [1, 5, 24]) expect(planTrial(all, k)).toEqual(plans[k - 1]);
  });

  it('does not let the number of trials change a trial', () => {
    expect(planTrial({ ...all, trials: 8 }, 3)).toEqual(planTrial(all, 3));
  });

  it('covers every family within as many trials as there are families', () => {
    const first = planCampaign({ ...all, trials: FAULT_FAMILIES.length }).map((p) => p.fault.family);
    expect([...first].sort()).toEqual([...FAULT_FAMILIES].sort());
  });

  it('draws only from the families asked for', () => {
    const plans = planCampaign({ ...all, families: ['link', 'controller'] });
    expect(new Set(plans.map((p) => p.fault.family))).toEqual(new Set(['link', 'controller']));
  });

  it('migrates between the two clusters, with unique names and sane dirty rates', () => {
    const plans = planCampaign(all);
    for (const p of plans) {
      expect(p.source).not.toBe(p.target);
      expect(p.dirtyMibS).toBeGreaterThanOrEqual(1);
      expect(p.dirtyMibS).toBeLessThanOrEqual(8);
    }
    expect(new Set(plans.map((p) => p.name)).size).toBe(plans.length);
  });

  it('triggers each fault at a state its family allows, or after a delay', () => {
    for (const p of planCampaign({ ...all, trials: 200 })) {
      const t = p.fault.trigger;
      const allowed =
        p.fault.family === 'disk' && p.fault.side === 'controller'
          ? CONTROLLER_DISK_STATES
          : TRIGGER_STATES[p.fault.family];
      if (t.kind === 'state') expect(allowed).toContain(t.state);
      else expect(t.ms).toBeGreaterThanOrEqual(0);
    }
  });

  it('kills the controller through the CLI and through pulumi up', () => {
    const kills = planCampaign({ ...all, trials: 200 }).flatMap((p) =>
      p.fault.family === 'controller' ? [p.fault] : [],
    );
    expect(new Set(kills.map((k) => k.via))).toEqual(new Set(['cli', 'pulumi']));
  });

  it('fills both disks, the controller one with nothing left free', () => {
    const disks = planCampaign({ ...all, trials: 200 }).flatMap((p) =>
      p.fault.family === 'disk' ? [p.fault] : [],
    );
    expect(new Set(disks.map((d) => d.side))).toEqual(new Set(['target', 'controller']));
    expect(disks.filter((d) => d.side === 'controller').every((d) => d.freeMib === 0)).toBe(true);
  });

  it.each([
    [0, 1],
    [25, 24],
  ])('refuses trial %i of %i', (k, trials) => {
    expect(() => planTrial({ ...all, trials }, k)).toThrow(RangeError);
  });

  it('refuses a campaign without families', () => {
    expect(() => planTrial({ ...all, families: [] }, 1)).toThrow(RangeError);
  });
});

describe('familyOrder', () => {
  it('is a seeded permutation of the families asked for', () => {
    const o = familyOrder(3, FAULT_FAMILIES);
    expect([...o].sort()).toEqual([...FAULT_FAMILIES].sort());
    expect(familyOrder(3, FAULT_FAMILIES)).toEqual(o);
  });
});

describe('labels', () => {
  it.each<[FaultPlan, string]>([
    [
      { family: 'link', mode: 'reset', trigger: { kind: 'state', state: 'copying' }, restoreAfterMs: 100 },
      'link-cut@copying',
    ],
    [
      { family: 'link', mode: 'blackhole', trigger: { kind: 'delay', ms: 4200 }, restoreAfterMs: 100 },
      'link-blackhole@+4.2s',
    ],
    [
      {
        family: 'dockerd',
        side: 'target',
        signal: 'SIGKILL',
        trigger: { kind: 'state', state: 'restoring' },
        restoreAfterMs: 1,
      },
      'target-dockerd-kill@restoring',
    ],
    [
      {
        family: 'dockerd',
        side: 'source',
        signal: 'SIGTERM',
        trigger: { kind: 'state', state: 'frozen' },
        restoreAfterMs: 1,
      },
      'source-dockerd-term@frozen',
    ],
    [{ family: 'relay', trigger: { kind: 'delay', ms: 500 }, restoreAfterMs: 1 }, 'relay-kill@+0.5s'],
    [
      { family: 'controller', via: 'cli', trigger: { kind: 'state', state: 'frozen' } },
      'controller-kill@frozen',
    ],
    [
      { family: 'controller', via: 'pulumi', trigger: { kind: 'state', state: 'copying' } },
      'pulumi-up-kill@copying',
    ],
    [
      { family: 'corrupt', file: 'pages', trigger: { kind: 'state', state: 'restoring' } },
      'corrupt-pages@restoring',
    ],
    [{ family: 'double', trigger: { kind: 'delay', ms: 0 } }, 'double-migrate@+0.0s'],
    [
      { family: 'disk', side: 'target', freeMib: 3, trigger: { kind: 'state', state: 'copying' } },
      'target-disk-full@copying',
    ],
    [
      { family: 'disk', side: 'controller', freeMib: 0, trigger: { kind: 'state', state: 'frozen' } },
      'controller-disk-full@frozen',
    ],
  ])('%j is %s', (f, label) => {
    expect(faultLabel(f)).toBe(label);
    expect(label.startsWith(faultKind(f))).toBe(true);
    expect(label.endsWith(triggerLabel(f.trigger))).toBe(true);
  });
});
