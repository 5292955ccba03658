import { CommandFailed } from '../../provider/errors';
import type { ExecResult, RemoteShell } from '../../provider/hosts/remote-shell';
import { run, runText } from '../../provider/hosts/run';
import { seconds } from '../../provider/units';

function shellReturning(result: ExecResult): RemoteShell {
  return {
    exec: async () => result,
    spawn: async () => {
      throw new Error('unused');
    },
    openUnixSocket: async () => {
      throw new Error('unused');
    },
    describe: () => 'root@h:22',
    close: async () => undefined,
    [Symbol.asyncDispose]: async () => undefined,
  };
}

describe('run', () => {
  it('returns the result on exit 0 even with stderr output', async () => {
    const shell = shellReturning({ exitCode: 0, stdout: Buffer.from('ok\n'), stderr: 'warning: noisy\n' });
    await expect(runText(shell, ['true'], { timeout: seconds(1) })).resolves.toBe('ok\n');
  });

  it.each([
    [1, undefined],
    [null, 'SIGKILL'],
  ])('throws CommandFailed for exit %p', async (exitCode, signal) => {
    const shell = shellReturning({
      exitCode,
      ...(signal ? { signal } : {}),
      stdout: Buffer.alloc(0),
      stderr: 'boom',
    });
    const error = await run(shell, ['false', 'x'], { timeout: seconds(1) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandFailed);
    expect(error).toMatchObject({ argv: ['false', 'x'], exitCode, stderr: 'boom', host: 'root@h:22' });
  });
});
