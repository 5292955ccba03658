import { planTrial } from '../../../testbed/faults/plan';
import { FAULT_FAMILIES } from '../../../testbed/faults/fault-kinds';
import {
  formatSummary,
  rerunCommand,
  summarize,
  trialDetails,
  trialLine,
  type TrialResult,
} from '../../../testbed/faults/summary';

const shape = { seed: 42, trials: 8, families: FAULT_FAMILIES };
const rerun = { seed: 42, trials: 8, mib: 64, rtt: '20ms', bandwidth: '200mbit' };

const result = (k: number, over: Partial<TrialResult> = {}): TrialResult => ({
  plan: {
    ...planTrial(shape, k),
    fault: {
      family: 'dockerd',
      side: 'target',
      signal: 'SIGKILL',
      trigger: { kind: 'state', state: 'restoring' },
      restoreAfterMs: 2000,
    },
  },
  injected: { atMs: 8100, journalState: 'restoring', what: 'dockerd 1 of cluster-b sent SIGKILL' },
  outcome: 'rolled-back',
  copiesMax: 1,
  violations: [],
  notes: [],
  seconds: 12.34,
  ...over,
});

describe('trialLine', () => {
  it('is the one line of the brief', () => {
    expect(trialLine(result(3), 8, 42)).toBe(
      'trial 3/8 seed=42 fault=target-dockerd-kill@restoring outcome=rolled-back copies-max=1 violations=0 (12.3 s)',
    );
  });

  it('says when the fault was not injected, and when the campaign itself failed', () => {
    const rest: TrialResult = { ...result(2) };
    delete (rest as { injected?: unknown }).injected;
    const line = trialLine({ ...rest, harnessError: 'boom' }, 8, 42);
    expect(line).toContain('@restoring(not injected)');
    expect(line).toContain('HARNESS-ERROR');
  });
});

describe('trialDetails', () => {
  it('lists the injection, notes and each violation', () => {
    const d = trialDetails(
      result(1, {
        notes: ['controller 1: exit 1 after 9.8 s'],
        violations: [{ code: 'journal-not-terminal', detail: 'journal x is failed' }],
      }),
    );
    expect(d.some((l) => l.includes('injected at +8.1 s (journal restoring)'))).toBe(true);
    expect(d).toContain('    note: controller 1: exit 1 after 9.8 s');
    expect(d).toContain('    VIOLATION journal-not-terminal: journal x is failed');
  });
});

describe('summarize', () => {
  const results = [
    result(1),
    result(2, {
      outcome: 'failed',
      violations: [
        { code: 'journal-not-terminal', detail: 'x' },
        { code: 'no-running-copy', detail: 'y' },
      ],
    }),
    result(3, {
      plan: {
        ...planTrial(shape, 3),
        fault: { family: 'controller', via: 'cli', trigger: { kind: 'state', state: 'frozen' } },
      },
    }),
    result(4, {
      harnessError: 'bug',
      notes: ['DISTURBED: the bed was used by others during this trial: jest'],
    }),
  ];

  it('counts trials, violations, per fault kind and outcomes', () => {
    const s = summarize(results);
    expect(s.trials).toBe(4);
    expect(s.violations).toBe(2);
    expect(s.failingTrials).toEqual([2]);
    expect(s.harnessErrors).toEqual([4]);
    expect(s.disturbed).toEqual([4]);
    expect(s.perKind).toEqual([
      ['controller-kill', { trials: 1, violations: 0, failing: 0 }],
      ['target-dockerd-kill', { trials: 3, violations: 2, failing: 1 }],
    ]);
    expect(s.outcomes).toEqual([
      ['rolled-back', 3],
      ['failed', 1],
    ]);
    expect(s.perCode).toEqual([
      ['journal-not-terminal', 1],
      ['no-running-copy', 1],
    ]);
  });

  it('prints the seed and the exact command of each failing trial', () => {
    const text = formatSummary(summarize(results), rerun, 90).join('\n');
    expect(text).toContain('seed: 42');
    expect(text).toContain(
      'trial 2: npm run faults -- --trials 8 --seed 42 --only-trial 2 --mib 64 --rtt 20ms --bandwidth 200mbit',
    );
    expect(text).toContain('trial 4: ');
    expect(text).toContain('--only-trial K');
    expect(text).toContain('disturbed (someone else used the bed meanwhile): trial(s) 4');
  });

  it('summarises an empty campaign', () => {
    const s = summarize([]);
    expect(s).toMatchObject({ trials: 0, violations: 0, failingTrials: [] });
    expect(formatSummary(s, rerun, 0)[0]).toContain('0 trial(s)');
  });
});

describe('rerunCommand', () => {
  it('repeats the families when they were given', () => {
    expect(rerunCommand({ ...rerun, faults: 'link,disk' }, 5)).toBe(
      'npm run faults -- --trials 8 --seed 42 --only-trial 5 --faults link,disk --mib 64 --rtt 20ms --bandwidth 200mbit',
    );
  });
});
