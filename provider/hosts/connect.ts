/**
 * One call to reach a host: an SSH connection (`RemoteShell`) and, over it, its Docker Engine
 * (`ContainerRuntime`). Dispose the result (`await using host = await connectHost(cfg)`) to close both.
 * The adapters load ssh2 and dockerode lazily inside these calls, never at module scope.
 */
import './dispose-polyfill';
import type { HostConfig } from '../config/clusters';
import type { ContainerRuntime } from './container-runtime';
import { dockerodeRuntimeOverShell, type DockerodeRuntimeOptions } from './dockerode-runtime';
import type { RemoteShell } from './remote-shell';
import { connectSsh2Shell, type Ssh2ShellOptions } from './ssh2-shell';

/** Options of `connectHost`. */
export interface ConnectHostOptions {
  /** SSH connection tuning (connect timeout, keepalive, sessions). */
  readonly ssh?: Ssh2ShellOptions;
  /** Engine call time limits. */
  readonly runtime?: DockerodeRuntimeOptions;
}

/** A connected host. */
export interface ConnectedHost extends AsyncDisposable {
  /** The host's SSH connection. */
  readonly shell: RemoteShell;
  /** The host's Docker Engine, reached through `shell`. */
  readonly runtime: ContainerRuntime;
  /** The configuration it was connected with. */
  readonly config: HostConfig;
  /** Closes the runtime and the SSH connection. Idempotent. */
  close(): Promise<void>;
}

/**
 * Connects to `host` over SSH (pinned host key) and prepares its Docker Engine client on
 * `host.dockerSocket`. The engine is not contacted yet: call `runtime.ping()`/`version()` to check it.
 *
 * @throws HostUnreachable / InvalidInput from `connectSsh2Shell`.
 */
export async function connectHost(host: HostConfig, opts: ConnectHostOptions = {}): Promise<ConnectedHost> {
  const shell = await connectSsh2Shell(host, opts.ssh);
  let runtime: ContainerRuntime;
  try {
    runtime = await dockerodeRuntimeOverShell(shell, host.dockerSocket, opts.runtime);
  } catch (error) {
    await shell.close();
    throw error;
  }
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      try {
        await runtime.close();
      } finally {
        await shell.close();
      }
    })());
  return { shell, runtime, config: host, close, [Symbol.asyncDispose]: close };
}
