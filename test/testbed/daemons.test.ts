import { sameCommand } from '../../testbed/daemons';

describe('sameCommand (a daemon started with other flags is restarted)', () => {
  const wanted = [
    'nsenter',
    '--net=/var/run/netns/ferry-c1',
    '--',
    'dockerd',
    '--experimental',
    '--ip6tables=false',
  ];
  it.each<[string, string[] | undefined, boolean]>([
    ['the same argv after nsenter exec', ['dockerd', '--experimental', '--ip6tables=false'], true],
    [
      'an older bed: --bridge none',
      ['dockerd', '--experimental', '--bridge', 'none', '--ip6tables=false'],
      false,
    ],
    ['a flag missing', ['dockerd', '--experimental'], false],
    ['unreadable (gone meanwhile)', undefined, true],
  ])('%s', (_, running, same) => {
    expect(sameCommand(running, wanted)).toBe(same);
  });
});
