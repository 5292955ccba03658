/**
 * Test fixture: a throw-away Docker Engine in its own network namespace (`ferry-hosttest-*`), with data
 * root, exec root, pidfile and API socket under a temp dir (`<tmp>/ferry-hosttest-dockerd-*`).
 * Started the way the test bed does it (see /work/shared/ENVIRONMENT.md): `nsenter --net=...` (not
 * `ip netns exec`, which remounts /sys and breaks dockerd), `--experimental`, no bridge, no iptables, and
 * its own containerd namespace so it can never touch another engine's containers. Needs root.
 *
 *   const engine = await startThrowawayDockerd();
 *   await engine.importBusyboxImage('ferry-hosttest-busybox:latest');
 *   ... talk to engine.socketPath (directly, or through a local sshd) ...
 *   await engine.stop();
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

const TOOLS = [
  '/usr/sbin/dockerd',
  '/usr/bin/containerd',
  '/usr/sbin/runc',
  '/usr/bin/nsenter',
  '/usr/sbin/ip',
];
const BUSYBOX = '/bin/busybox';

/** Why a throw-away dockerd cannot be started here, or `undefined` when it can. */
export function dockerdMissing(): string | undefined {
  const absent = TOOLS.filter((t) => !existsSync(t));
  if (absent.length > 0)
    return `not found: ${absent.join(', ')} (install docker.io containerd runc iproute2)`;
  if (process.getuid?.() !== 0) return 'the throw-away dockerd fixture needs root';
  return undefined;
}

/** Why the busybox test image cannot be built here, or `undefined` when it can. */
export function busyboxMissing(): string | undefined {
  return existsSync(BUSYBOX) ? undefined : `${BUSYBOX} not found (install busybox-static)`;
}

/** A running throw-away Docker Engine. */
export interface ThrowawayDockerd {
  /** Temp dir holding everything of this engine. */
  readonly dir: string;
  /** Name of its network namespace (under /var/run/netns). */
  readonly netns: string;
  /** Its API socket. */
  readonly socketPath: string;
  /** `--data-root` (checkpoints go to `<dataRoot>/containers/<id>/checkpoints/<name>`). */
  readonly dataRoot: string;
  /** `--exec-root`. */
  readonly execRoot: string;
  /** The runc state root of its containers: `<execRoot>/runtime-runc/<netns>` (its containerd namespace). */
  readonly runtimeRoot: string;
  /** PID of dockerd. */
  readonly pid: number;
  /** dockerd's log so far. */
  log(): string;
  /** Calls the Engine API on the socket directly; resolves with status and body. */
  api(method: string, path: string, body?: Buffer | string): Promise<{ status: number; body: Buffer }>;
  /** Imports a busybox-static root file system as image `ref` (`ENV PATH=/bin`); returns the image id. */
  importBusyboxImage(ref: string): Promise<string>;
  /** Removes all containers, stops the engine, unmounts, deletes the temp dir and the namespace. */
  stop(): Promise<void>;
}

/** Starts a dockerd in a new network namespace; resolves once its API answers `/_ping`. */
export async function startThrowawayDockerd(): Promise<ThrowawayDockerd> {
  const missing = dockerdMissing();
  if (missing) throw new Error(`cannot start a throw-away dockerd: ${missing}`);
  const id = randomBytes(4).toString('hex');
  const netns = `ferry-hosttest-${id}`;
  const dir = await mkdtemp(join(tmpdir(), 'ferry-hosttest-dockerd-'));
  const dataRoot = join(dir, 'data');
  const execRoot = join(dir, 'exec');
  const socketPath = join(dir, 'docker.sock');
  const logPath = join(dir, 'dockerd.log');
  let child: ChildProcess | undefined;
  const api = (method: string, path: string, body?: Buffer | string) =>
    apiCall(socketPath, method, path, body);
  const log = (): string => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : '');
  const stop = async (): Promise<void> => stopEngine(child, api, dir, netns);
  try {
    await run('/usr/sbin/ip', ['netns', 'add', netns]);
    await run('/usr/sbin/ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
    await mkdir(dataRoot, { recursive: true });
    await mkdir(execRoot, { recursive: true });
    const fd = openSync(logPath, 'a');
    // prettier-ignore
    child = spawn('/usr/bin/nsenter', [
      `--net=/var/run/netns/${netns}`, '/usr/sbin/dockerd', '--experimental',
      '--data-root', dataRoot, '--exec-root', execRoot, '--pidfile', join(dir, 'dockerd.pid'),
      '-H', `unix://${socketPath}`, '--bridge', 'none', '--iptables=false', '--ip6tables=false',
      '--containerd-namespace', netns, '--containerd-plugins-namespace', `${netns}-plugins`,
    ], { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error('dockerd exited');
      const ping = await api('GET', '/_ping').catch(() => undefined);
      if (ping?.status === 200) break;
      if (Date.now() > deadline) throw new Error('dockerd did not answer /_ping within 60 s');
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (error) {
    const text = log();
    await stop();
    throw new Error(`${(error as Error).message}; dockerd log:\n${text.slice(-4000)}`);
  }
  return {
    dir,
    netns,
    socketPath,
    dataRoot,
    execRoot,
    // runc state lives under <exec-root>/runtime-runc/<containerd namespace> (`moby` by default)
    runtimeRoot: join(execRoot, 'runtime-runc', netns),
    pid: child.pid!,
    log,
    api,
    importBusyboxImage: (ref) => importBusybox(api, dir, ref),
    stop,
  };
}

async function apiCall(
  socketPath: string,
  method: string,
  path: string,
  body?: Buffer | string,
): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({
      socketPath,
      method,
      path,
      headers: body ? { 'content-type': 'application/x-tar' } : {},
    });
    req.setTimeout(120_000, () => req.destroy(new Error(`${method} ${path}: no answer`)));
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.end(body);
  });
}

async function importBusybox(api: ThrowawayDockerd['api'], dir: string, ref: string): Promise<string> {
  const missing = busyboxMissing();
  if (missing) throw new Error(`cannot build the busybox image: ${missing}`);
  const root = await mkdtemp(join(dir, 'rootfs-'));
  await mkdir(join(root, 'bin'));
  for (const d of ['tmp', 'etc', 'proc', 'sys', 'dev']) await mkdir(join(root, d));
  await copyFile(BUSYBOX, join(root, 'bin', 'busybox'));
  const { stdout } = await run(BUSYBOX, ['--list']);
  for (const applet of stdout.split('\n').filter((a) => a && a !== 'busybox')) {
    await symlink('busybox', join(root, 'bin', applet));
  }
  const { stdout: tar } = await run('tar', ['-C', root, '-cf', '-', '.'], {
    encoding: 'buffer',
    maxBuffer: 64 << 20,
  });
  const [repo, tag = 'latest'] = ref.split(':');
  const q = new URLSearchParams({ fromSrc: '-', repo: repo!, tag, changes: 'ENV PATH=/bin' });
  const res = await api('POST', `/images/create?${q.toString()}`, tar);
  const text = res.body.toString();
  if (res.status !== 200 || /"error"/.test(text))
    throw new Error(`image import failed: ${res.status} ${text}`);
  await rm(root, { recursive: true, force: true });
  const inspect = await api('GET', `/images/${encodeURIComponent(ref)}/json`);
  return (JSON.parse(inspect.body.toString()) as { Id: string }).Id;
}

async function stopEngine(
  child: ChildProcess | undefined,
  api: ThrowawayDockerd['api'],
  dir: string,
  netns: string,
): Promise<void> {
  if (child && child.exitCode === null && child.signalCode === null) {
    try {
      const list = await api('GET', '/containers/json?all=1');
      for (const c of JSON.parse(list.body.toString()) as Array<{ Id: string }>) {
        await api('DELETE', `/containers/${c.Id}?force=1`);
      }
    } catch {
      // the engine is not answering: it is stopped below anyway
    }
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  }
  await killProcessesUnder(dir);
  await unmountUnder(dir);
  await rm(dir, { recursive: true, force: true });
  await run('/usr/sbin/ip', ['netns', 'del', netns]).catch(() => undefined);
}

/** Kills leftover processes (containerd, shims) whose command line names `dir`. */
async function killProcessesUnder(dir: string): Promise<void> {
  const { stdout } = await run('ps', ['-eo', 'pid=,args=']).catch(() => ({ stdout: '' }));
  for (const line of stdout.split('\n')) {
    const m = /^\s*(\d+)\s+(.*)$/.exec(line);
    if (m && m[2]!.includes(dir) && Number(m[1]) !== process.pid) {
      try {
        process.kill(Number(m[1]), 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
}

/** Unmounts everything mounted below `dir`, deepest first (lazy, so busy mounts do not block). */
async function unmountUnder(dir: string): Promise<void> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  const points = info
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .map((p) => p.replace(/\\040/g, ' '))
    .filter((p) => p.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const p of points) await run('umount', ['-l', p]).catch(() => undefined);
}
