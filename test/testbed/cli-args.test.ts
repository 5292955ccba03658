import { InvalidInput } from '../../provider/errors';
import { parseTestbedArgs } from '../../testbed/cli/testbed-args';

describe('parseTestbedArgs', () => {
  it.each([
    [[], { kind: 'help' }],
    [['--help'], { kind: 'help' }],
    [['up'], { kind: 'up', settings: {}, extraPorts: [], workload: true, json: false }],
    [
      ['exec', 'cluster-b', '--', 'redis-cli', '-h', '198.18.2.2', '--json'],
      { kind: 'exec', cluster: 'cluster-b', argv: ['redis-cli', '-h', '198.18.2.2', '--json'] },
    ],
    [
      [
        'up',
        '--clusters',
        '3',
        '--rtt',
        '50ms',
        '--bandwidth',
        '100mbit',
        '--extra-port',
        '9000',
        '--no-workload',
      ],
      {
        kind: 'up',
        clusters: 3,
        settings: { rtt: 0.05, bandwidth: 12.5e6 },
        extraPorts: [9000],
        workload: false,
        json: false,
      },
    ],
    [['down'], { kind: 'down', json: false }],
    [['status', '--json', '--no-measure'], { kind: 'status', json: true, measure: false }],
    [
      ['link', 'a', 'b', '--rtt', '20ms'],
      { kind: 'link', a: 'a', b: 'b', settings: { rtt: 0.02 }, json: false },
    ],
    [
      ['link', 'cluster-a', 'cluster-b', '--cut'],
      { kind: 'link', a: 'cluster-a', b: 'cluster-b', settings: {}, cut: 'reset', json: false },
    ],
    [
      ['link', '1', '2', '--blackhole'],
      { kind: 'link', a: '1', b: '2', settings: {}, cut: 'blackhole', json: false },
    ],
    [
      ['link', 'a', 'b', '--restore', '--bandwidth', '1gbit'],
      { kind: 'link', a: 'a', b: 'b', settings: { bandwidth: 125e6 }, cut: 'none', json: false },
    ],
  ])('%j', (argv, expected) => expect(parseTestbedArgs(argv)).toEqual(expected));

  it.each([
    [['explode']],
    [['up', '--clusters', '5']],
    [['up', '--clusters', 'two']],
    [['up', '--rtt', '50']],
    [['up', '--bogus']],
    [['down', '--rtt', '5ms']],
    [['status', 'extra']],
    [['link', 'a']],
    [['link', 'a', 'b']],
    [['link', 'a', 'b', '--cut', '--restore']],
    [['up', '--extra-port', '0']],
    [['exec', 'cluster-a']],
    [['exec', 'cluster-a', '--']],
    [['exec', '--', 'ls']],
    [['exec', 'cluster-a', 'extra', '--', 'ls']],
  ])('rejects %j', (argv) => expect(() => parseTestbedArgs(argv)).toThrow(InvalidInput));
});
