import { TESTBED_USER, useraddArgv, userdelArgv } from '../../testbed/login-user';

describe('the test bed login user', () => {
  it('is uid 0 with /bin/sh and its own home, so SSH commands skip root bash start-up files', () => {
    const argv = useraddArgv('/var/lib/ferry/testbed/home');
    expect(argv[0]).toBe('useradd');
    expect(argv.at(-1)).toBe(TESTBED_USER);
    const opt = (name: string): string | undefined => argv[argv.indexOf(name) + 1];
    expect([opt('--uid'), opt('--gid'), opt('--shell'), opt('--home-dir')]).toEqual([
      '0',
      '0',
      '/bin/sh',
      '/var/lib/ferry/testbed/home',
    ]);
    expect(opt('--password')).toBe('*');
    expect(argv).toContain('--non-unique');
    expect(argv).toContain('--no-create-home');
  });

  it('is removed by name only, forced because uid 0 always has processes', () => {
    expect(userdelArgv()).toEqual(['userdel', '--force', TESTBED_USER]);
  });
});
