/**
 * Test fixture: a real OpenSSH server on 127.0.0.1 with throw-away host and client keys in a temp dir
 * (`<tmp>/ferry-hosttest-sshd-*`). Needs root (sshd's privilege separation) and `/usr/sbin/sshd`.
 *
 *   const sshd = await startLocalSshd();
 *   const host = sshd.hostConfig({ dockerSocket: '/path/docker.sock' });
 *   ...
 *   await sshd.stop();
 *
 * Also exports `describeIntegration`: skips a suite when a component is missing, except under `CI=true`,
 * where the suite fails with the reason (a missing component must never pass silently in CI).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { HostConfig } from '../../provider/config/clusters';

const run = promisify(execFile);

/** Path of the OpenSSH server binary the fixture starts. */
export const SSHD_BIN = '/usr/sbin/sshd';

/** Why a local sshd cannot be started here, or `undefined` when it can. */
export function sshdMissing(): string | undefined {
  if (!existsSync(SSHD_BIN)) return `${SSHD_BIN} not found (install openssh-server)`;
  if (!existsSync('/usr/bin/ssh-keygen')) return 'ssh-keygen not found (install openssh-client)';
  if (process.getuid?.() !== 0) return 'the local sshd fixture needs root (sshd privilege separation)';
  return undefined;
}

/** A running local sshd. */
export interface LocalSshd {
  /** Temp dir holding keys, config and log. */
  readonly dir: string;
  /** Listen address (always loopback). */
  readonly address: string;
  /** Listen port. */
  readonly port: number;
  /** Login user (the user running the tests). */
  readonly user: string;
  /** Client private key accepted by the server. */
  readonly privateKeyPath: string;
  /** The server's ed25519 host key, `"<type> <base64>"`. */
  readonly hostKey: string;
  /** The server's ECDSA host key (it has two: pinning picks the one presented). */
  readonly otherHostKey: string;
  /** PID of the listening sshd. */
  readonly pid: number;
  /** A `HostConfig` for this server; fields not about SSH get harmless defaults unless overridden. */
  hostConfig(overrides?: Partial<HostConfig>): HostConfig;
  /** The server's log so far (sshd -e output). */
  log(): string;
  /** Stops the server and its sessions, and removes the temp dir. */
  stop(): Promise<void>;
}

/** Options of `startLocalSshd`. */
export interface LocalSshdOptions {
  /** Extra `sshd_config` lines. */
  readonly extraConfig?: readonly string[];
}

/** Starts an sshd on 127.0.0.1 at a free port; resolves once it sends its SSH banner. */
export async function startLocalSshd(opts: LocalSshdOptions = {}): Promise<LocalSshd> {
  const missing = sshdMissing();
  if (missing) throw new Error(`cannot start a local sshd: ${missing}`);
  const dir = await mkdtemp(join(tmpdir(), 'ferry-hosttest-sshd-'));
  try {
    await chmod(dir, 0o700);
    await mkdir('/run/sshd', { recursive: true, mode: 0o755 }); // privilege separation dir sshd insists on
    await keygen(join(dir, 'host_ed25519'), 'ed25519');
    await keygen(join(dir, 'host_ecdsa'), 'ecdsa');
    await keygen(join(dir, 'client_ed25519'), 'ed25519');
    await writeFile(join(dir, 'authorized_keys'), await readFile(join(dir, 'client_ed25519.pub')), {
      mode: 0o600,
    });
    const hostKey = pubKey(join(dir, 'host_ed25519.pub'));
    const otherHostKey = pubKey(join(dir, 'host_ecdsa.pub'));
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const cfg = join(dir, 'sshd_config');
      await writeFile(cfg, sshdConfig(dir, port, opts.extraConfig ?? []));
      const logPath = join(dir, 'sshd.log');
      const logFd = openSync(logPath, 'a');
      const child = spawn(SSHD_BIN, ['-D', '-e', '-f', cfg], { stdio: ['ignore', logFd, logFd] });
      closeSync(logFd);
      const ok = await waitForBanner(port, child, 10_000);
      if (!ok) {
        child.kill('SIGKILL');
        const log = readFileSync(logPath, 'utf8');
        if (attempt < 3 && /Address already in use/.test(log)) continue;
        throw new Error(`sshd did not start on 127.0.0.1:${port}; its log:\n${log}`);
      }
      const user = userInfo().username;
      return {
        dir,
        address: '127.0.0.1',
        port,
        user,
        privateKeyPath: join(dir, 'client_ed25519'),
        hostKey,
        otherHostKey,
        pid: child.pid!,
        hostConfig: (o = {}) => ({
          name: 'local-sshd',
          address: '127.0.0.1',
          port,
          user,
          privateKeyPath: join(dir, 'client_ed25519'),
          hostKey,
          dockerSocket: '/var/run/docker.sock',
          workDir: join(dir, 'work'),
          ...o,
        }),
        log: () => readFileSync(logPath, 'utf8'),
        stop: () => stopSshd(child, dir),
      };
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

function sshdConfig(dir: string, port: number, extra: readonly string[]): string {
  return [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${join(dir, 'host_ed25519')}`,
    `HostKey ${join(dir, 'host_ecdsa')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'StrictModes no',
    'UseDNS no',
    'LogLevel VERBOSE',
    // AllowStreamLocalForwarding is left at its default ("yes") on purpose: Ferry relies on that default.
    ...extra,
    '',
  ].join('\n');
}

async function keygen(path: string, type: 'ed25519' | 'ecdsa'): Promise<void> {
  await run('/usr/bin/ssh-keygen', ['-q', '-t', type, '-N', '', '-C', 'ferry-hosttest', '-f', path]);
}

function pubKey(path: string): string {
  const [type, b64] = readFileSync(path, 'utf8').trim().split(/\s+/);
  return `${type} ${b64}`;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

async function waitForBanner(port: number, child: ChildProcess, limitMs: number): Promise<boolean> {
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    const banner = await new Promise<string>((resolve) => {
      const s = connect(port, '127.0.0.1');
      let got = '';
      s.setTimeout(1000, () => s.destroy());
      s.on('data', (d) => {
        got += d.toString('latin1');
        s.destroy();
      });
      s.on('error', () => undefined);
      s.on('close', () => resolve(got));
    });
    if (banner.startsWith('SSH-2.0-')) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** PIDs of all descendants of `pid` (from /proc), deepest last. */
async function descendants(pid: number): Promise<number[]> {
  const parents = new Map<number, number[]>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(name)]);
    } catch {
      // the process exited meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    for (const c of parents.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

async function stopSshd(child: ChildProcess, dir: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null && child.pid) {
    const kids = await descendants(child.pid);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    for (const k of kids) {
      try {
        process.kill(k, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }
  await rm(dir, { recursive: true, force: true });
}
