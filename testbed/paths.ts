/** Where the test bed keeps its files (pure). Everything it creates on disk lives under the state dir. */
import * as path from 'node:path';
import { InvalidInput } from '../provider/errors';
import type { ClusterPlan } from './address-plan';

/** Default state directory when `FERRY_TESTBED_DIR` is unset. */
export const DEFAULT_STATE_DIR = '/var/lib/ferry/testbed';

/**
 * Longest state dir accepted, in characters: unix socket paths (108 bytes) under it must fit, the longest
 * being `<stateDir>/cluster-a/host-1/containerd.sock.ttrpc`.
 */
export const MAX_STATE_DIR_LENGTH = 60;

/** The state dir: `FERRY_TESTBED_DIR` or `/var/lib/ferry/testbed`, made absolute. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.FERRY_TESTBED_DIR;
  return path.resolve(dir !== undefined && dir !== '' ? dir : DEFAULT_STATE_DIR);
}

/** Files of one cluster host. */
export interface HostPaths {
  /** `<stateDir>/<cluster>/<host>`. */
  readonly dir: string;
  /** Log files directory. */
  readonly logDir: string;
  /** containerd's config (`containerd -c`). */
  readonly containerdConfig: string;
  /** containerd's gRPC socket (passed to dockerd as `--containerd`). */
  readonly containerdSocket: string;
  /** containerd's persistent root. */
  readonly containerdRoot: string;
  /** containerd's state dir. */
  readonly containerdState: string;
  /** containerd's `opt` plugin dir (kept here so nothing lands in /opt). */
  readonly containerdOpt: string;
  /** containerd log. */
  readonly containerdLog: string;
  /** dockerd's own (empty) config file, so /etc/docker/daemon.json is never read. */
  readonly dockerConfig: string;
  /** dockerd's API socket. */
  readonly dockerSocket: string;
  /** dockerd `--data-root`. */
  readonly dockerDataRoot: string;
  /** dockerd `--exec-root`. */
  readonly dockerExecRoot: string;
  /** The runc state root dockerd uses: `<exec-root>/runtime-runc/moby`. */
  readonly runtimeRoot: string;
  /** dockerd `--pidfile`. */
  readonly dockerPidFile: string;
  /** dockerd log. */
  readonly dockerdLog: string;
  /** Ferry's work directory on the host (checkpoint images, journals). */
  readonly workDir: string;
  /** sshd_config of the host. */
  readonly sshdConfig: string;
  /** sshd's PidFile. */
  readonly sshdPidFile: string;
  /** sshd log (`sshd -E`). */
  readonly sshdLog: string;
  /** The host's private ed25519 host key. */
  readonly hostKey: string;
  /** The host's public host key. */
  readonly hostKeyPub: string;
}

/** All files of the test bed. */
export interface TestbedPaths {
  /** The state dir; `down` removes it. */
  readonly stateDir: string;
  /** Marker file proving the state dir belongs to the test bed (`down` refuses to remove other dirs). */
  readonly marker: string;
  /** Lock file serialising up/down/link. */
  readonly lockFile: string;
  /** The ClustersFile Ferry's engine reads. */
  readonly clustersFile: string;
  /** The test bed's own state (links, pids, set values). */
  readonly stateFile: string;
  /** Directory of the client key pair, known_hosts and ssh_config. */
  readonly keysDir: string;
  /** Home directory of the test bed's login user (see login-user.ts). */
  readonly loginHome: string;
  /** Client private key (0600), authorised on every host for root. */
  readonly clientKey: string;
  /** Client public key. */
  readonly clientKeyPub: string;
  /** known_hosts pinning every host key under every address it is reached at. */
  readonly knownHosts: string;
  /** An ssh_config usable with `ssh -F` from the root namespace and from every host. */
  readonly sshConfig: string;
  /** The relay's config file (rewritten by `link`). */
  readonly relayConfig: string;
  /** The relay's control socket. */
  readonly relayControlSocket: string;
  /** The relay's pid file. */
  readonly relayPidFile: string;
  /** The relay's log. */
  readonly relayLog: string;
  /** Paths of a cluster's host. */
  host(cluster: Pick<ClusterPlan, 'name' | 'hostName'>): HostPaths;
}

/**
 * All paths under `stateDir`.
 * @throws InvalidInput when the dir is not absolute, is `/`, or is too long for unix socket paths.
 */
export function testbedPaths(stateDir: string = defaultStateDir()): TestbedPaths {
  if (!path.isAbsolute(stateDir) || path.resolve(stateDir) === '/') {
    throw new InvalidInput('FERRY_TESTBED_DIR', stateDir, 'an absolute directory other than /');
  }
  const dir = path.resolve(stateDir);
  if (dir.length > MAX_STATE_DIR_LENGTH) {
    throw new InvalidInput(
      'FERRY_TESTBED_DIR',
      dir,
      `a path of at most ${MAX_STATE_DIR_LENGTH} characters (unix socket paths under it must fit in 108 bytes)`,
    );
  }
  const keysDir = path.join(dir, 'keys');
  return {
    stateDir: dir,
    marker: path.join(dir, '.ferry-testbed'),
    lockFile: path.join(dir, '.lock'),
    clustersFile: path.join(dir, 'clusters.json'),
    stateFile: path.join(dir, 'testbed.json'),
    keysDir,
    clientKey: path.join(keysDir, 'id_ed25519'),
    clientKeyPub: path.join(keysDir, 'id_ed25519.pub'),
    loginHome: path.join(stateDir, 'home'),
    knownHosts: path.join(keysDir, 'known_hosts'),
    sshConfig: path.join(keysDir, 'ssh_config'),
    relayConfig: path.join(dir, 'relay', 'config.json'),
    relayControlSocket: path.join(dir, 'relay', 'control.sock'),
    relayPidFile: path.join(dir, 'relay', 'relay.pid'),
    relayLog: path.join(dir, 'relay', 'relay.log'),
    host: (c) => hostPaths(path.join(dir, c.name, c.hostName)),
  };
}

function hostPaths(d: string): HostPaths {
  const execRoot = path.join(d, 'exec');
  const logDir = path.join(d, 'log');
  return {
    dir: d,
    logDir,
    containerdConfig: path.join(d, 'containerd.toml'),
    containerdSocket: path.join(d, 'containerd.sock'),
    containerdRoot: path.join(d, 'containerd'),
    containerdState: path.join(d, 'containerd-state'),
    containerdOpt: path.join(d, 'containerd-opt'),
    containerdLog: path.join(logDir, 'containerd.log'),
    dockerConfig: path.join(d, 'daemon.json'),
    dockerSocket: path.join(d, 'docker.sock'),
    dockerDataRoot: path.join(d, 'docker'),
    dockerExecRoot: execRoot,
    runtimeRoot: path.join(execRoot, 'runtime-runc', 'moby'),
    dockerPidFile: path.join(d, 'dockerd.pid'),
    dockerdLog: path.join(logDir, 'dockerd.log'),
    workDir: path.join(d, 'work'),
    sshdConfig: path.join(d, 'ssh', 'sshd_config'),
    sshdPidFile: path.join(d, 'ssh', 'sshd.pid'),
    sshdLog: path.join(logDir, 'sshd.log'),
    hostKey: path.join(d, 'ssh', 'ssh_host_ed25519_key'),
    hostKeyPub: path.join(d, 'ssh', 'ssh_host_ed25519_key.pub'),
  };
}
