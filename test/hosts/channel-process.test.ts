import { Duplex, PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CommandFailed, HostUnreachable, TimedOut } from '../../provider/errors';
import { collectOutput, trackExecChannel, type TrackContext } from '../../provider/hosts/channel-process';
import { seconds } from '../../provider/units';

/** An exec channel whose remote side the test plays. */
class FakeChannel extends Duplex {
  readonly stderr = new PassThrough();
  readonly input: Buffer[] = [];
  channelClosed = false;
  override _read(): void {}
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.input.push(chunk);
    cb();
  }
  close(): void {
    this.channelClosed = true;
  }
  /** The remote process prints its PID line, as the real preamble does. */
  started(pid: number): void {
    this.stderr.write(`ferry-pid:${pid}\n`);
  }
  /** The remote process exits and the server closes the channel. */
  exit(code: number | null, signal?: string): void {
    this.emit('exit', code, signal);
    this.end();
    this.close_();
  }
  /** The channel closes without an exit status (connection lost). */
  close_(): void {
    this.stderr.end();
    this.push(null);
    setImmediate(() => this.emit('close'));
  }
}

function context(over: Partial<TrackContext> = {}) {
  const killed: number[] = [];
  let released = 0;
  let dropConnection = (): void => undefined;
  const connectionClosed = new Promise<void>((resolve) => (dropConnection = resolve));
  const ctx: TrackContext = {
    argv: ['sleep', '100'],
    where: 'root@h:22',
    timeout: seconds(0.05),
    limitMs: 50,
    release: () => void released++,
    killGroup: async (pgid) => void killed.push(pgid),
    lost: (what, cause) => new HostUnreachable('root@h:22', `lost while ${what}`, { cause }),
    connectionClosed,
    ...over,
  };
  return { ctx, killed, released: () => released, dropConnection };
}

describe('trackExecChannel', () => {
  it('reports exit code and stderr without the PID line, and frees its slot once', async () => {
    const ch = new FakeChannel();
    const { ctx, released } = context({ limitMs: 5000 });
    const proc = trackExecChannel(ch, ctx);
    ch.started(77);
    ch.stderr.write('warning: something\n');
    proc.stdout.resume();
    ch.exit(3);
    await expect(proc.done).resolves.toEqual({ exitCode: 3, stderr: 'warning: something\n' });
    expect(released()).toBe(1);
  });

  it('settles on exit even when nobody reads stdout', async () => {
    const ch = new FakeChannel();
    const proc = trackExecChannel(ch, context({ limitMs: 5000 }).ctx);
    ch.push(Buffer.alloc(1000, 'x'));
    ch.emit('exit', 0);
    ch.stderr.end();
    await expect(proc.done).resolves.toEqual({ exitCode: 0, stderr: '' });
  });

  it('keeps an exit status that arrived before the tracker was attached (fast commands)', async () => {
    const ch = new FakeChannel();
    // ssh2 emitted 'exit' while the channel was being handed over: only the early record has it.
    const proc = trackExecChannel(ch, context({ limitMs: 5000, earlyExit: () => ({ code: 0 }) }).ctx);
    proc.stdout.resume();
    ch.close_();
    await expect(proc.done).resolves.toEqual({ exitCode: 0, stderr: '' });
  });

  it('without an exit status, a closed channel means the connection was lost', async () => {
    const ch = new FakeChannel();
    const proc = trackExecChannel(ch, context({ limitMs: 5000, earlyExit: () => undefined }).ctx);
    proc.stdout.resume();
    ch.close_();
    await expect(proc.done).rejects.toBeInstanceOf(HostUnreachable);
  });

  it('fails a running process when the SSH connection closes', async () => {
    const ch = new FakeChannel();
    const { ctx, dropConnection, released } = context({ limitMs: 5000 });
    const proc = trackExecChannel(ch, ctx);
    dropConnection();
    await expect(proc.done).rejects.toBeInstanceOf(HostUnreachable);
    expect(released()).toBe(1);
  });

  it('reports death by signal', async () => {
    const ch = new FakeChannel();
    const proc = trackExecChannel(ch, context({ limitMs: 5000 }).ctx);
    proc.stdout.resume();
    ch.exit(null, 'SIGKILL');
    await expect(proc.done).resolves.toEqual({ exitCode: null, signal: 'SIGKILL', stderr: '' });
  });

  it('on timeout kills the remote process group, closes the channel and rejects with TimedOut', async () => {
    const ch = new FakeChannel();
    const { ctx, killed, released } = context();
    const proc = trackExecChannel(ch, ctx);
    ch.started(4242);
    await expect(proc.done).rejects.toBeInstanceOf(TimedOut);
    expect(killed).toEqual([4242]);
    expect(ch.channelClosed).toBe(true);
    expect(released()).toBe(1);
  });

  it('still rejects with TimedOut when the killed process reports its exit first', async () => {
    const ch = new FakeChannel();
    const { ctx } = context({
      killGroup: async () => {
        ch.exit(null, 'SIGKILL');
        await new Promise((r) => setTimeout(r, 10));
      },
    });
    const proc = trackExecChannel(ch, ctx);
    ch.started(9);
    await expect(proc.done).rejects.toBeInstanceOf(TimedOut);
  });

  it('on abort kills and rejects with the abort reason', async () => {
    const ch = new FakeChannel();
    const ac = new AbortController();
    const { ctx, killed } = context({ limitMs: 5000, signal: ac.signal });
    const proc = trackExecChannel(ch, ctx);
    ch.started(55);
    ac.abort(new Error('user gave up'));
    await expect(proc.done).rejects.toThrow('user gave up');
    expect(killed).toEqual([55]);
  });

  it('treats a close without exit status as a lost connection', async () => {
    const ch = new FakeChannel();
    const proc = trackExecChannel(ch, context({ limitMs: 5000 }).ctx);
    proc.stdout.resume();
    ch.close_();
    await expect(proc.done).rejects.toBeInstanceOf(HostUnreachable);
  });

  it('kill() without a known PID only closes the channel', async () => {
    const ch = new FakeChannel();
    const { ctx, killed } = context({ limitMs: 5000 });
    const proc = trackExecChannel(ch, ctx);
    const t = Date.now();
    ch.stderr.write('noise without marker and without newline'.repeat(200));
    await proc.kill();
    expect(killed).toEqual([]);
    expect(ch.channelClosed).toBe(true);
    expect(Date.now() - t).toBeLessThan(1000);
    ch.close_();
    await expect(proc.done).rejects.toBeInstanceOf(HostUnreachable);
  });
});

describe('stdin of a tracked process', () => {
  it('makes a pipeline into it fail when the process exits before reading everything', async () => {
    const ch = new FakeChannel();
    // the remote side stops reading: ssh2 then neither calls back nor drains
    ch._write = () => undefined;
    const proc = trackExecChannel(ch, context({ limitMs: 5000 }).ctx);
    proc.stdout.resume();
    const source = Readable.from(
      (function* () {
        for (let i = 0; i < 1000; i++) yield Buffer.alloc(64 * 1024);
      })(),
    );
    const piping = pipeline(source, proc.stdin);
    setTimeout(() => {
      ch.stderr.write('tar: No space left on device\n');
      ch.exit(2);
    }, 20);
    const error = await piping.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandFailed);
    expect(error).toMatchObject({ exitCode: 2 });
    expect((error as Error).message).toContain('No space left on device');
  });
});

describe('collectOutput', () => {
  it('feeds stdin and buffers stdout', async () => {
    const ch = new FakeChannel();
    const proc = trackExecChannel(ch, context({ limitMs: 5000 }).ctx);
    ch.on('finish', () => {
      ch.push(Buffer.concat(ch.input));
      ch.exit(0);
    });
    const r = await collectOutput(proc, Readable.from([Buffer.from('abc'), Buffer.from('def')]));
    expect(r.stdout.toString()).toBe('abcdef');
    expect(r.exitCode).toBe(0);
  });

  it('throws the error of a failing stdin stream and kills the process', async () => {
    const ch = new FakeChannel();
    const { ctx } = context({ limitMs: 5000, killGroup: async () => ch.exit(null, 'SIGKILL') });
    const proc = trackExecChannel(ch, ctx);
    ch.started(12);
    const input = new Readable({ read() {} });
    setTimeout(() => input.destroy(new Error('disk read failed')), 10);
    await expect(collectOutput(proc, input)).rejects.toThrow('disk read failed');
  });
});
