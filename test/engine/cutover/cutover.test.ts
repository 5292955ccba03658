import { CutoverFailed } from '../../../provider/errors';
import {
  CUTOVER_TIMEOUT,
  runCutover,
  type CutoverEvent,
  type LocalRunner,
} from '../../../provider/engine/cutover/cutover';
import { endpointsOf } from '../../../provider/engine/cutover/endpoints';
import { runLocal } from '../../../provider/hosts/local-command';
import { seconds } from '../../../provider/units';

const event: CutoverEvent = {
  version: 1,
  phase: 'switch',
  migrationId: 'm1',
  container: 'cache',
  from: 'cluster-a/host-1',
  to: 'cluster-b/host-1',
  endpoints: [{ protocol: 'tcp', host: '198.18.2.2', port: 6379 }],
  previous: [{ protocol: 'tcp', host: '198.18.1.2', port: 6379 }],
};

describe('runCutover', () => {
  it('gives the hook the event as one line of JSON on stdin, with the time limit', async () => {
    const calls: { argv: readonly string[]; stdin: string; timeout: number }[] = [];
    const run: LocalRunner = async (argv, stdin, timeout) => {
      calls.push({ argv, stdin: stdin.toString(), timeout });
      return { exitCode: 0, output: '', timedOut: false };
    };
    await runCutover(['/usr/local/bin/switch-lb', '--pool', 'cache'], event, run);
    expect(calls).toEqual([
      {
        argv: ['/usr/local/bin/switch-lb', '--pool', 'cache'],
        stdin: `${JSON.stringify(event)}\n`,
        timeout: CUTOVER_TIMEOUT,
      },
    ]);
  });

  it.each<[string, { exitCode: number | null; output: string; timedOut: boolean }, RegExp]>([
    [
      'a non-zero exit',
      { exitCode: 3, output: 'lb: pool cache not found\n', timedOut: false },
      /\(switch\) exited with 3: lb: pool cache not found/,
    ],
    ['the time limit', { exitCode: null, output: '', timedOut: true }, /did not finish within 60 s/],
    ['a signal', { exitCode: null, output: 'x', timedOut: false }, /exited with a signal: x/],
  ])('fails on %s, naming the hook and saying what to do', async (_, result, re) => {
    const err = await runCutover(['switch-lb'], event, async () => result).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CutoverFailed);
    expect(String(err)).toMatch(re);
    expect(String(err)).toMatch(/hint: the migration rolls back/);
  });

  it('runs a real program: stdin reaches it, its exit code decides', async () => {
    const ok = await runLocal(
      ['sh', '-c', 'read l; case $l in *cluster-b*) exit 0;; *) exit 9;; esac'],
      Buffer.from(`${JSON.stringify(event)}\n`),
      seconds(10),
    );
    expect(ok).toMatchObject({ exitCode: 0, timedOut: false });
    const missing = await runLocal(['/nonexistent/hook'], Buffer.alloc(0), seconds(10));
    expect(missing.exitCode).toBeNull();
    expect(missing.output).toMatch(/cannot run \/nonexistent\/hook/);
    const slow = await runLocal(['sleep', '5'], Buffer.alloc(0), seconds(0.2));
    expect(slow.timedOut).toBe(true);
  });
});

describe('endpointsOf', () => {
  it('puts each published port on the host address, or on its bound address, sorted', () => {
    expect(
      endpointsOf('198.18.2.2', [
        { internal: 6379, external: 6379, protocol: 'tcp' },
        { internal: 53, external: 5353, protocol: 'udp', ip: '127.0.0.1' },
        { internal: 6379, external: 6379, protocol: 'tcp' },
      ]),
    ).toEqual([
      { protocol: 'udp', host: '127.0.0.1', port: 5353 },
      { protocol: 'tcp', host: '198.18.2.2', port: 6379 },
    ]);
  });
});
