/**
 * RemoteShell over a real OpenSSH server on loopback (test/support/local-sshd.ts).
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CommandFailed, HostUnreachable, InvalidInput, TimedOut } from '../../provider/errors';
import { fingerprint, parsePinnedHostKey } from '../../provider/hosts/host-key';
import type { RemoteShell } from '../../provider/hosts/remote-shell';
import { run, runText } from '../../provider/hosts/run';
import { connectSsh2Shell } from '../../provider/hosts/ssh2-shell';
import { seconds } from '../../provider/units';
import { describeIntegration } from '../support/describe-integration';
import { sshdMissing, startLocalSshd, type LocalSshd } from '../support/local-sshd';

jest.setTimeout(60_000);

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const T = { timeout: seconds(20) };

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

describeIntegration('ssh2 RemoteShell against a local sshd', [sshdMissing()], () => {
  let sshd: LocalSshd;
  let shell: RemoteShell;
  const timings: Record<string, string> = {};

  beforeAll(async () => {
    sshd = await startLocalSshd();
    const t = process.hrtime.bigint();
    shell = await connectSsh2Shell(sshd.hostConfig());
    timings['ssh connect (handshake + auth)'] = `${Number(process.hrtime.bigint() - t) / 1e6} ms`;
  });

  afterAll(async () => {
    await shell?.close();
    await sshd?.stop();
    console.log(`ssh2 RemoteShell timings (loopback):\n${JSON.stringify(timings, null, 2)}`);
  });

  it('describes itself as user@host:port', () => {
    expect(shell.describe()).toBe(`${sshd.user}@127.0.0.1:${sshd.port}`);
  });

  it.each([
    ['spaces', ['a b', '  lead', 'trail  ']],
    ['quotes', ["it's", '"double"', `mi'x"ed`]],
    ['substitutions', ['$(touch /tmp/ferry-hosttest-pwned)', '`id`', '${HOME}', '$HOME']],
    ['newlines and tabs', ['x\ny', '\n', 'a\tb']],
    ['globs and operators', ['*', '?', '[a]', ';', '&&', '|', '>', '<', '#', '~']],
    ['empty strings and dashes', ['', '-n', '--', '-e']],
    ['non-ASCII', ['é', '日本', '😀']],
  ])('delivers arguments with %s intact', async (_, args) => {
    const r = await run(shell, ['printf', '%s\\0', ...args], T);
    expect(r.stdout.toString('utf8').split('\0').slice(0, -1)).toEqual(args);
    const pwned = await shell.exec(['test', '-e', '/tmp/ferry-hosttest-pwned'], T);
    expect(pwned.exitCode).toBe(1);
  });

  it('reports a non-zero exit code and never treats stderr as failure', async () => {
    const failed = await shell.exec(['sh', '-c', 'echo out; echo warn >&2; exit 7'], T);
    expect(failed).toMatchObject({ exitCode: 7, stderr: 'warn\n' });
    expect(failed.stdout.toString()).toBe('out\n');
    await expect(runText(shell, ['sh', '-c', 'echo noisy >&2; echo fine'], T)).resolves.toBe('fine\n');
    const error = await run(shell, ['sh', '-c', 'echo broken >&2; exit 3'], T).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandFailed);
    expect(error).toMatchObject({ exitCode: 3, stderr: 'broken\n', host: shell.describe() });
  });

  it('feeds stdin from a buffer and from a stream', async () => {
    expect((await run(shell, ['cat'], { ...T, stdin: Buffer.from('from a buffer') })).stdout.toString()).toBe(
      'from a buffer',
    );
    const stdin = Readable.from([Buffer.from('from '), Buffer.from('a stream')]);
    expect((await run(shell, ['cat'], { ...T, stdin })).stdout.toString()).toBe('from a stream');
  });

  it('kills the remote process group on timeout', async () => {
    const marker = `sleep 77.${process.pid}`;
    const t = Date.now();
    const error = await shell
      .exec(['sh', '-c', `${marker} & ${marker}; echo never`], { timeout: seconds(1) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimedOut);
    expect(Date.now() - t).toBeLessThan(5000);
    timings['timeout to rejection (1 s limit)'] = `${Date.now() - t} ms`;
    const left = await shell.exec(['pgrep', '-f', marker], T);
    expect(left.exitCode).toBe(1); // neither the foreground nor the background sleep survived
  });

  it('kills the remote process on abort and rejects with the reason', async () => {
    const marker = `sleep 78.${process.pid}`;
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('migration cancelled')), 300);
    await expect(shell.exec(['sh', '-c', marker], { ...T, signal: ac.signal })).rejects.toThrow(
      'migration cancelled',
    );
    expect((await shell.exec(['pgrep', '-f', marker], T)).exitCode).toBe(1);
  });

  it('runs more commands at once than sshd allows sessions (MaxSessions 10)', async () => {
    const t = Date.now();
    const results = await Promise.all(
      Array.from({ length: 25 }, (_, i) => runText(shell, ['sh', '-c', 'sleep 0.2; echo $0', `n${i}`], T)),
    );
    expect(results).toEqual(Array.from({ length: 25 }, (_, i) => `n${i}\n`));
    timings['25 parallel 0.2 s commands'] = `${Date.now() - t} ms`;
  });

  it('measures the round trip of a trivial command', async () => {
    const n = 10;
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await run(shell, ['true'], T);
    timings['exec `true` (mean of 10)'] = `${(Number(process.hrtime.bigint() - t) / 1e6 / n).toFixed(1)} ms`;
  });

  it('streams 50 MiB through spawn both ways and the bytes match', async () => {
    const data = randomBytes(50 * 1024 * 1024);
    const t = Date.now();
    const proc = await shell.spawn(['cat'], { timeout: seconds(120) });
    const hash = createHash('sha256');
    let received = 0;
    proc.stdout.on('data', (c: Buffer) => {
      hash.update(c);
      received += c.length;
    });
    await pipeline(Readable.from([data]), proc.stdin);
    const exit = await proc.done;
    const ms = Date.now() - t;
    expect(exit.exitCode).toBe(0);
    expect(received).toBe(data.length);
    expect(hash.digest('hex')).toBe(sha256(data));
    timings['50 MiB up+down through `cat`'] = `${ms} ms (${((50 / ms) * 1000).toFixed(0)} MiB/s each way)`;

    const t2 = Date.now();
    const remote = await run(shell, ['sha256sum'], { timeout: seconds(120), stdin: data });
    timings['50 MiB upload to `sha256sum`'] = `${Date.now() - t2} ms`;
    expect(remote.stdout.toString().split(' ')[0]).toBe(sha256(data));
  });

  it('pipes a tar stream from one connection to another', async () => {
    const other = await connectSsh2Shell(sshd.hostConfig());
    try {
      const src = join(sshd.dir, 'tar-src');
      const dst = join(sshd.dir, 'tar-dst');
      await run(shell, ['mkdir', '-p', `${src}/sub dir`, dst], T);
      await run(
        shell,
        ['sh', '-c', 'head -c 20000000 /dev/urandom > "$1/sub dir/pages.img"; echo hi > "$1/a"', 'sh', src],
        T,
      );
      const t = Date.now();
      const out = await shell.spawn(['tar', '-C', src, '-cf', '-', '.'], T);
      const inp = await other.spawn(['tar', '-C', dst, '-xf', '-'], T);
      await pipeline(out.stdout, inp.stdin);
      expect((await out.done).exitCode).toBe(0);
      expect((await inp.done).exitCode).toBe(0);
      timings['20 MB tar host-to-host pipe'] = `${Date.now() - t} ms`;
      const sum = (dir: string) =>
        runText(
          shell,
          ['sh', '-c', 'cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum', 'sh', dir],
          T,
        );
      expect(await sum(dst)).toBe(await sum(src));
    } finally {
      await other.close();
    }
  });

  it('fails a pipeline into a command that exits before reading all of it', async () => {
    const proc = await shell.spawn(['sh', '-c', 'head -c 1000 >/dev/null; echo refused >&2; exit 2'], T);
    proc.stdout.resume();
    const t = Date.now();
    const error = await pipeline(Readable.from([randomBytes(20 * 1024 * 1024)]), proc.stdin).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CommandFailed);
    expect(error).toMatchObject({ exitCode: 2 });
    expect(String(error)).toContain('refused');
    expect(Date.now() - t).toBeLessThan(10_000);
    await expect(proc.done).resolves.toMatchObject({ exitCode: 2 });
  });

  it('refuses a server whose host key is not the pinned one, naming both fingerprints', async () => {
    const wrong = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDtpVlJ3fCbQskUyaFbVZSB5+guuLeCKyoo6eFCSLGlQ';
    const error = await connectSsh2Shell(sshd.hostConfig({ hostKey: wrong })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostUnreachable);
    const msg = (error as Error).message;
    expect(msg).toContain(`expected ${fingerprint(parsePinnedHostKey(wrong).blob)}`);
    expect(msg).toContain(`received ${fingerprint(parsePinnedHostKey(sshd.hostKey).blob)}`);
  });

  it('accepts the server when its other host key (ECDSA) is pinned', async () => {
    const s = await connectSsh2Shell(sshd.hostConfig({ hostKey: sshd.otherHostKey }));
    await s.close();
  });

  it('explains a pinned key type the server does not have', async () => {
    const path = join(sshd.dir, 'rsa-pin');
    execFileSync('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-f', path]);
    const pin = execFileSync('cat', [`${path}.pub`])
      .toString()
      .trim();
    await expect(connectSsh2Shell(sshd.hostConfig({ hostKey: pin }))).rejects.toThrow(HostUnreachable);
  });

  it('reports failed authentication and refused connections as HostUnreachable with a hint', async () => {
    const path = join(sshd.dir, 'stranger');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path]);
    const auth = await connectSsh2Shell(sshd.hostConfig({ privateKeyPath: path })).catch((e: unknown) => e);
    expect(auth).toBeInstanceOf(HostUnreachable);
    expect(String(auth)).toMatch(/authentication failed/);
    const refused = await connectSsh2Shell(sshd.hostConfig({ port: await freePort() })).catch(
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(HostUnreachable);
    expect(String(refused)).toMatch(/refused/);
  });

  it('rejects a missing private key as invalid input', async () => {
    await expect(connectSsh2Shell(sshd.hostConfig({ privateKeyPath: '/nonexistent/key' }))).rejects.toThrow(
      InvalidInput,
    );
  });

  it('reports an absent unix socket as HostUnreachable', async () => {
    await expect(shell.openUnixSocket(join(sshd.dir, 'no.sock'))).rejects.toThrow(HostUnreachable);
  });

  it('closes with `await using`, after which commands fail with HostUnreachable', async () => {
    let kept: RemoteShell | undefined;
    {
      await using s = await connectSsh2Shell(sshd.hostConfig());
      kept = s;
      expect((await s.exec(['true'], T)).exitCode).toBe(0);
    }
    await expect(kept.exec(['true'], T)).rejects.toThrow(HostUnreachable);
    await kept.close(); // idempotent
  });
});
