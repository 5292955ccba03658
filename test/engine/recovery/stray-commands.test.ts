import { execFileSync, spawn } from 'node:child_process';
import { endStrayCommandsArgv } from '../../../provider/engine/recovery/stray-commands';
import { InvalidInput } from '../../../provider/errors';

describe('endStrayCommandsArgv', () => {
  it('kills the processes that name the migration dir, and nothing else, and not itself', async () => {
    const id = `20261204-000000-${process.pid.toString(16).padStart(6, '0').slice(-6)}`;
    // stand-ins: one names this migration's dir, one another migration's
    const mine = spawn('sh', ['-c', `sleep 30; : /w/ferry-${id}/rounds/1`], { stdio: 'ignore' });
    const other = spawn('sh', ['-c', 'sleep 30; : /w/ferry-20261204-000000-ffffff/rounds/1'], {
      stdio: 'ignore',
    });
    const ended = new Promise<string | null>((r) => mine.on('exit', (_c, s) => r(s)));
    await new Promise((r) => setTimeout(r, 200));
    const argv = endStrayCommandsArgv(id);
    execFileSync(argv[0]!, argv.slice(1)); // exit 0: found
    expect(await ended).toBe('SIGKILL');
    expect(other.exitCode).toBeNull();
    other.kill('SIGKILL');
    execFileSync(argv[0]!, argv.slice(1)); // exit 0 too when nothing is found
  });

  it.each(['', 'a b', 'x;rm', '../x'])('refuses the migration id %j', (id) =>
    expect(() => endStrayCommandsArgv(id)).toThrow(InvalidInput),
  );
});
