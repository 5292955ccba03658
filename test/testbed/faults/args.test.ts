import { parseCampaignArgs, parseFamilies } from '../../../testbed/faults/args';
import { FAULT_FAMILIES } from '../../../testbed/faults/fault-kinds';
import { InvalidInput } from '../../../provider/errors';

describe('parseCampaignArgs', () => {
  it('has the defaults of the brief', () => {
    const o = parseCampaignArgs([]);
    expect(o).toMatchObject({ trials: 8, seed: 1, mib: 64, rttText: '20ms', bandwidthText: '200mbit' });
    expect(o !== 'help' && o.families).toEqual([...FAULT_FAMILIES]);
    expect(o !== 'help' && o.rtt).toBeCloseTo(0.02);
    expect(o !== 'help' && o.bandwidth).toBe(25e6);
  });

  it('reads every option', () => {
    const o = parseCampaignArgs([
      '--trials',
      '24',
      '--seed',
      '7',
      '--faults',
      'link,c',
      '--only-trial',
      '3',
      '--mib',
      '32',
      '--rtt',
      '50ms',
      '--bandwidth',
      '1gbit',
      '--out',
      '/tmp/x',
    ]);
    expect(o).toMatchObject({
      trials: 24,
      seed: 7,
      families: ['link', 'dockerd'],
      faultsText: 'link,c',
      onlyTrial: 3,
      mib: 32,
      out: '/tmp/x',
    });
  });

  it('answers help', () => {
    expect(parseCampaignArgs(['--help'])).toBe('help');
  });

  it.each([
    [['--trials', '0']],
    [['--trials', 'x']],
    [['--seed', '-1']],
    [['--trials', '2', '--only-trial', '3']],
    [['--faults', 'meteor']],
    [['--faults', ',']],
    [['--rtt', '20']],
    [['stray']],
  ])('refuses %j', (argv) => {
    expect(() => parseCampaignArgs(argv)).toThrow(InvalidInput);
  });
});

describe('parseFamilies', () => {
  it('takes names and letters, once each, in the order given', () => {
    expect(parseFamilies('g, a,link,DISK')).toEqual(['disk', 'link']);
  });
});
