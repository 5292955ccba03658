/**
 * The ssh2 adapter of `RemoteShell`. The only file that loads `ssh2`, and only inside `connectSsh2Shell`
 * (a Pulumi dynamic provider is serialized into state and must not capture the library at module scope).
 */
import './dispose-polyfill';
import { readFile } from 'node:fs/promises';
import type { Duplex } from 'node:stream';
import type { Client, ClientChannel, ConnectConfig, ServerHostKeyAlgorithm } from 'ssh2';
import type { HostConfig } from '../config/clusters';
import { HostUnreachable, InvalidInput, TimedOut } from '../errors';
import { inMillis, seconds, type Duration } from '../units';
import { abortReason, collectOutput, trackExecChannel, type ExitRecord } from './channel-process';
import { hostKeyAlgorithms, matchesPin, parsePinnedHostKey } from './host-key';
import { Limiter } from './limiter';
import { commandWithPidPreamble, killProcessGroupArgv } from './pid-preamble';
import type { ExecOptions, ExecResult, RemoteProcess, RemoteShell, SpawnOptions } from './remote-shell';
import { quoteArgv } from './shell-quote';
import { connectFailure } from './ssh-connect-errors';

/** A command channel just opened, with its exit status if it already arrived. */
interface OpenedExec {
  readonly channel: ClientChannel;
  readonly exitSoFar: () => ExitRecord | undefined;
}

/** Connection tuning for `connectSsh2Shell`. */
export interface Ssh2ShellOptions {
  /** Limit for TCP connect + handshake + authentication, in seconds (default 15). */
  readonly connectTimeout?: Duration;
  /** Interval of SSH keepalive probes, in seconds (default 10; 0 disables them). */
  readonly keepaliveInterval?: Duration;
  /** Unanswered keepalives before the connection is declared dead (default 3). */
  readonly keepaliveCountMax?: number;
  /** Concurrent exec sessions on the connection, kept under sshd's `MaxSessions` (default 8). */
  readonly maxSessions?: number;
}

/**
 * Connects to `host` over SSH with its pinned host key and private key.
 *
 * @throws HostUnreachable on refused/timed-out connections, failed authentication, or a host key that is
 *   not the pinned one (the message names the expected and received SHA-256 fingerprints).
 * @throws InvalidInput when the host key pin or the private key is missing or malformed.
 */
export async function connectSsh2Shell(host: HostConfig, opts: Ssh2ShellOptions = {}): Promise<RemoteShell> {
  const where = `${host.user}@${host.address}:${host.port}`;
  const pin = parsePinnedHostKey(host.hostKey, `hosts.${host.name}.hostKey`);
  const privateKey = await loadPrivateKey(host);
  const connectTimeout = opts.connectTimeout ?? seconds(15);
  const { Client: SshClient } = await import('ssh2');
  const client = new SshClient();
  let presented: Buffer | undefined;
  const config: ConnectConfig = {
    host: host.address,
    port: host.port,
    username: host.user,
    privateKey,
    readyTimeout: inMillis(connectTimeout),
    keepaliveInterval: inMillis(opts.keepaliveInterval ?? seconds(10)),
    keepaliveCountMax: opts.keepaliveCountMax ?? 3,
    algorithms: { serverHostKey: hostKeyAlgorithms(pin.type) as ServerHostKeyAlgorithm[] },
    hostVerifier: (key: Buffer): boolean => {
      presented = key;
      return matchesPin(pin, key);
    },
  };
  // Errors are collected for the whole attempt and judged when the connection closes: a refused login
  // is often followed (or even preceded) by ECONNRESET, and ssh2 emits every one of them as 'error'.
  const errors: unknown[] = [];
  let handshakeDone = false;
  client.on('error', (error) => void (errors.length < 16 && errors.push(error)));
  client.once('handshake', () => (handshakeDone = true));
  // ssh2 leaves Nagle's algorithm on: every exec then waits ~40 ms for a delayed ACK. Turn it off.
  client.once('connect', () => void client.setNoDelay(true));
  await new Promise<void>((resolve, reject) => {
    const failed = (): void => {
      clearTimeout(hardStop);
      client.removeListener('ready', onReady);
      const stage = handshakeDone ? 'authenticate' : 'connect';
      reject(
        connectFailure({
          where,
          pin,
          presented,
          stage,
          timeoutSeconds: connectTimeout,
          error: pickError(errors),
        }),
      );
    };
    const onReady = (): void => {
      clearTimeout(hardStop);
      client.removeListener('close', failed);
      resolve();
    };
    // ssh2's readyTimeout covers the handshake; this also covers a hang in TCP connect or DNS.
    const hardStop = setTimeout(
      () => {
        errors.push(Object.assign(new Error('no SSH session'), { level: 'client-timeout' }));
        client.destroy();
      },
      inMillis(connectTimeout) + 2000,
    );
    client.once('ready', onReady).once('close', failed);
    try {
      client.connect(config);
    } catch (error) {
      clearTimeout(hardStop);
      client.removeListener('close', failed);
      reject(
        new InvalidInput(
          `hosts.${host.name}.privateKey`,
          '(secret)',
          `a usable SSH private key (${String(error)})`,
        ),
      );
    }
  });
  return new Ssh2Shell(client, where, connectTimeout, new Limiter(opts.maxSessions ?? 8));
}

/** The most telling of the errors of a failed attempt: authentication, then timeout, then the first. */
function pickError(errors: readonly unknown[]): unknown {
  const level = (e: unknown): unknown => (e as { level?: unknown } | undefined)?.level;
  return (
    errors.find((e) => level(e) === 'client-authentication') ??
    errors.find((e) => level(e) === 'client-timeout') ??
    errors[0] ??
    new Error('connection closed')
  );
}

async function loadPrivateKey(host: HostConfig): Promise<string | Buffer> {
  if (host.privateKey) return host.privateKey;
  if (!host.privateKeyPath) {
    throw new InvalidInput(`hosts.${host.name}.privateKey`, undefined, 'privateKey or privateKeyPath');
  }
  try {
    return await readFile(host.privateKeyPath);
  } catch (error) {
    throw new InvalidInput(
      `hosts.${host.name}.privateKeyPath`,
      host.privateKeyPath,
      `a readable private key file (${(error as Error).message})`,
    );
  }
}

/** A live ssh2 connection; see `RemoteShell` for the contract of each method. */
class Ssh2Shell implements RemoteShell {
  private closed = false;
  private lastError: unknown;
  private readonly closedPromise: Promise<void>;

  constructor(
    private readonly client: Client,
    private readonly where: string,
    private readonly openTimeout: Duration,
    private readonly sessions: Limiter,
  ) {
    this.closedPromise = new Promise((resolve) => client.once('close', () => resolve()));
    client.on('error', (error) => (this.lastError = error));
    client.once('close', () => (this.closed = true));
  }

  describe(): string {
    return this.where;
  }

  async exec(argv: readonly string[], opts: ExecOptions): Promise<ExecResult> {
    return collectOutput(await this.spawn(argv, opts), opts.stdin);
  }

  async spawn(argv: readonly string[], opts: SpawnOptions): Promise<RemoteProcess> {
    const command = commandWithPidPreamble(argv);
    const limitMs = inMillis(opts.timeout);
    const started = Date.now();
    opts.signal?.throwIfAborted();
    const release = await this.sessions.acquire();
    if (Date.now() - started >= limitMs) {
      release();
      throw new TimedOut(`waiting for a free SSH session for ${argv[0]} on ${this.where}`, opts.timeout);
    }
    let opened: OpenedExec;
    try {
      opened = await this.openExec(argv, command, Math.max(1, limitMs - (Date.now() - started)), opts);
    } catch (error) {
      release();
      throw error;
    }
    return trackExecChannel(opened.channel, {
      argv,
      earlyExit: opened.exitSoFar,
      where: this.where,
      timeout: opts.timeout,
      limitMs: Math.max(1, limitMs - (Date.now() - started)),
      signal: opts.signal,
      release,
      killGroup: (pgid) => this.killGroup(pgid),
      lost: (what, cause) => this.lost(what, cause),
      connectionClosed: this.closedPromise,
    });
  }

  async openUnixSocket(path: string): Promise<Duplex> {
    if (!path.startsWith('/')) throw new InvalidInput('socketPath', path, 'an absolute path');
    this.assertOpen(`open unix socket ${path}`);
    return new Promise<Duplex>((resolve, reject) => {
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        reject(new TimedOut(`opening unix socket ${path} on ${this.where}`, this.openTimeout));
      }, inMillis(this.openTimeout));
      const done = (error: Error | undefined, stream?: ClientChannel): void => {
        clearTimeout(timer);
        if (timedOut) stream?.close();
        else if (error || !stream) {
          reject(
            new HostUnreachable(
              this.where,
              `cannot open unix socket ${path} through SSH (${error?.message})`,
              {
                hint: 'check that the socket exists and its daemon runs, and that sshd allows AllowStreamLocalForwarding',
                cause: error,
              },
            ),
          );
        } else resolve(stream);
      };
      try {
        this.client.openssh_forwardOutStreamLocal(path, done);
      } catch (error) {
        done(error as Error);
      }
    });
  }

  async close(): Promise<void> {
    if (!this.closed) {
      this.client.end();
      const timer = setTimeout(() => this.client.destroy(), 2000);
      await this.closedPromise;
      clearTimeout(timer);
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private assertOpen(what: string): void {
    if (this.closed) {
      throw new HostUnreachable(this.where, `cannot ${what}: the SSH connection is closed`, {
        hint: 'reconnect to the host',
        cause: this.lastError,
      });
    }
  }

  private lost(what: string, cause?: unknown): HostUnreachable {
    return new HostUnreachable(this.where, `SSH connection lost while ${what}`, {
      hint: 'check the host and the network; a command that was running may still run on the host',
      cause: cause ?? this.lastError,
    });
  }

  private openExec(argv: readonly string[], command: string, limitMs: number, opts: SpawnOptions) {
    this.assertOpen(`run ${argv[0]}`);
    return new Promise<OpenedExec>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        reject(new TimedOut(`starting ${argv[0]} on ${this.where}`, seconds(limitMs / 1000)));
      }, limitMs);
      try {
        this.client.exec(command, (error, channel) => {
          clearTimeout(timer);
          if (settled) {
            if (!error) channel.close();
            return;
          }
          if (error) reject(this.lost(`starting ${argv[0]}`, error));
          else if (opts.signal?.aborted) {
            channel.close();
            reject(abortReason(opts.signal));
          } else {
            // A fast command's exit status can arrive in the same read as the channel confirmation, and ssh2
            // emits 'exit' once, at once: record it now, before the caller gets to attach its listeners.
            let exit: ExitRecord | undefined;
            channel.once('exit', (code: number | null, signal?: string) => {
              exit = signal === undefined ? { code } : { code, signal };
            });
            resolve({ channel, exitSoFar: () => exit });
          }
        });
      } catch (error) {
        clearTimeout(timer);
        reject(this.lost(`starting ${argv[0]}`, error));
      }
    });
  }

  /** Kills remote process group `pgid` from a second session (outside the session limiter's slots). */
  private killGroup(pgid: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 3000);
      const finish = (): void => {
        clearTimeout(timer);
        resolve();
      };
      try {
        this.client.exec(quoteArgv(killProcessGroupArgv(pgid)), (error, ch) => {
          if (error) return finish();
          ch.once('close', finish);
          ch.stderr.resume();
          ch.resume();
          ch.end();
        });
      } catch {
        finish();
      }
    });
  }
}
