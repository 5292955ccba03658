/**
 * `ContainerRuntime`: what Ferry needs from one Docker Engine, as an interface with plain data types.
 * No dockerode types here; the adapter is `dockerode-runtime.ts`. Engine failures surface as Ferry
 * errors: `HostUnreachable` (engine socket not reachable), `TimedOut`, and `CommandFailed` whose argv is
 * the HTTP request (`['POST', '/containers/x/start']`) and whose exit code is the HTTP status.
 */
import type { Readable } from 'node:stream';
import type { Bytes, Duration } from '../units';
import type { CarryProblem } from './inspect-fields';

/** What the engine says about itself. */
export interface EngineVersion {
  /** Engine version, e.g. `20.10.24+dfsg1`. */
  readonly version: string;
  /** Highest Engine API version it speaks, e.g. `1.41`. */
  readonly apiVersion: string;
  /** Whether experimental features (checkpoint/restore) are on. */
  readonly experimental: boolean;
  /** `linux`, ... */
  readonly os: string;
  /** `amd64`, `arm64`, ... */
  readonly arch: string;
  /** Kernel of the host. */
  readonly kernelVersion: string;
}

/** Container lifecycle state as the engine reports it. */
export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

/** A mount of a container. */
export interface ContainerMount {
  /** `bind`, `volume`, `tmpfs`, ... */
  readonly type: string;
  /** Host path (bind) or volume name (volume); empty for tmpfs. */
  readonly source: string;
  /** Path inside the container. */
  readonly target: string;
  /** Mounted read-only. */
  readonly readOnly: boolean;
}

/** A container port published on the host that runs it. */
export interface PortBinding {
  /** Port inside the container. */
  readonly internal: number;
  /** Port on the host (the same on every cluster). */
  readonly external: number;
  /** `tcp` or `udp`. */
  readonly protocol: 'tcp' | 'udp';
  /** Host address to bind; absent: every address. */
  readonly ip?: string;
}

/** A user-defined network the container is attached to. */
export interface NetworkAttachment {
  /** Network name (exists on the host, or is created by preflight). */
  readonly name: string;
  /** Names the container has on it besides its own. */
  readonly aliases: readonly string[];
}

/**
 * Settings copied as is from another container's inspect (the `copied` fields of `inspect-fields.ts`):
 * opaque JSON by section of the create request. The typed fields of the spec win over them.
 */
export interface CopiedSettings {
  /** Fields of the create body's top level (the inspect's `Config`). */
  readonly config: Readonly<Record<string, unknown>>;
  /** Fields of its `HostConfig`. */
  readonly hostConfig: Readonly<Record<string, unknown>>;
}

/** The part of the engine's HostConfig Ferry carries over when it recreates a container. */
export interface HostConfigSubset {
  /** Memory limit in bytes; 0 or absent means unlimited. */
  readonly memory?: Bytes;
  /** CPU quota in units of 10⁻⁹ CPUs (`--cpus 1.5` is 1.5e9). */
  readonly nanoCpus?: number;
  /** Relative CPU weight (`--cpu-shares`). */
  readonly cpuShares?: number;
  /** `none`, `host`, `bridge`, a network name, ... */
  readonly networkMode?: string;
  /** Restart policy: `no`, `always`, `unless-stopped`, `on-failure` or `on-failure:N`. */
  readonly restartPolicy?: string;
  /** Mounts to create, as `source:target[:ro]` bind strings. */
  readonly binds?: readonly string[];
  /** tmpfs mounts: target -> options (e.g. `size=64m`). */
  readonly tmpfs?: Readonly<Record<string, string>>;
  /** `--security-opt` values (e.g. `seccomp=unconfined`). */
  readonly securityOpt?: readonly string[];
  /** Whether to run an init process (`--init`). */
  readonly init?: boolean;
  /** Published ports. */
  readonly ports?: readonly PortBinding[];
}

/** What it takes to create a container (also what `inspect` returns, to recreate one elsewhere). */
export interface ContainerSpec {
  /** Container name (without the leading `/`); the engine picks one when absent. */
  readonly name?: string;
  /** Image reference or id. */
  readonly image: string;
  /** Command (overrides the image's CMD). */
  readonly cmd?: readonly string[];
  /** Entrypoint (overrides the image's ENTRYPOINT). */
  readonly entrypoint?: readonly string[];
  /** Environment, `KEY=value` entries. */
  readonly env?: readonly string[];
  /** Labels. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Working directory inside the container. */
  readonly workingDir?: string;
  /** User (name or uid[:gid]). */
  readonly user?: string;
  /** Host name inside the container. */
  readonly hostname?: string;
  /** Allocate a TTY. */
  readonly tty?: boolean;
  /** Keep stdin open. */
  readonly openStdin?: boolean;
  /** Stop signal, e.g. `SIGTERM`. */
  readonly stopSignal?: string;
  /** Resources and mounts. */
  readonly hostConfig?: HostConfigSubset;
  /** User-defined networks (the first is also `hostConfig.networkMode`); at most one today. */
  readonly networks?: readonly NetworkAttachment[];
  /** Settings copied as is from the container this spec was read from. */
  readonly copied?: CopiedSettings;
}

/** A container as `inspect` sees it: plain data. */
export interface ContainerInfo {
  /** Full 64-hex id. */
  readonly id: string;
  /** Name without the leading `/`. */
  readonly name: string;
  /** Image reference the container was created from (as given at create time). */
  readonly image: string;
  /** Resolved image id (`sha256:...`). */
  readonly imageId: string;
  /** Lifecycle state. */
  readonly state: ContainerState;
  /** PID of the container's init process on the host; 0 when not running. */
  readonly pid: number;
  /** Exit code of the last run (meaningful when exited). */
  readonly exitCode: number;
  /** When it was created (ISO 8601). */
  readonly created: string;
  /** When it last started (ISO 8601; `0001-01-01T00:00:00Z` when never). */
  readonly startedAt: string;
  /** Labels. */
  readonly labels: Readonly<Record<string, string>>;
  /** The container's mounts as they are. */
  readonly mounts: readonly ContainerMount[];
  /** Storage driver and, for overlay2, its directories on the host (`UpperDir` holds the fs changes). */
  readonly graphDriver: { readonly name: string; readonly data: Readonly<Record<string, string>> };
  /** Everything needed to create the same container on another engine. */
  readonly spec: ContainerSpec;
  /** Settings that stop a migration (`inspect-fields.ts`): empty when every field can be carried. */
  readonly carryProblems: readonly CarryProblem[];
  /** Published ports as the engine bound them (`NetworkSettings.Ports`). */
  readonly publishedPorts: readonly PortBinding[];
}

/** A line of `list`. */
export interface ContainerSummary {
  /** Full id. */
  readonly id: string;
  /** Name without the leading `/`. */
  readonly name: string;
  /** Image reference. */
  readonly image: string;
  /** Lifecycle state. */
  readonly state: ContainerState;
  /** Labels. */
  readonly labels: Readonly<Record<string, string>>;
}

/** One entry of the root file-system diff (`changes`). */
export interface FsChange {
  /** Absolute path inside the container. */
  readonly path: string;
  /** What happened to it relative to the image. */
  readonly kind: 'changed' | 'added' | 'deleted';
}

/** A tar archive of one path out of a container (archive API). */
export interface PathArchive {
  /** The path that was asked for. */
  readonly path: string;
  /** Directory to hand to `putArchive` to recreate `path` (its parent: entries are named by basename). */
  readonly parentDir: string;
  /** The tar stream; consume it fully (or destroy it). */
  readonly tar: Readable;
}

/** A network of an engine, as `network inspect` describes it (what it takes to make the same one elsewhere). */
export interface NetworkInfo {
  /** Network name. */
  readonly name: string;
  /** Driver, e.g. `bridge` (local to one host) or `overlay`. */
  readonly driver: string;
  /** `local` (one host) or `swarm`/`global`. */
  readonly scope: string;
  /** Driver options. */
  readonly options: Readonly<Record<string, string>>;
  /** Labels. */
  readonly labels: Readonly<Record<string, string>>;
  /** No outside connectivity. */
  readonly internal: boolean;
}

/** Per-call time limit (seconds). Defaults are chosen per operation by the adapter. */
export interface CallOptions {
  /** Time limit for the call, in seconds. */
  readonly timeout?: Duration;
}

/** The Docker Engine operations Ferry uses. */
export interface ContainerRuntime extends AsyncDisposable {
  /** Checks that the engine answers. */
  ping(opts?: CallOptions): Promise<void>;
  /** Engine version and whether experimental features are on. */
  version(opts?: CallOptions): Promise<EngineVersion>;
  /** The container, or `undefined` when no container has this name or id. */
  inspect(nameOrId: string, opts?: CallOptions): Promise<ContainerInfo | undefined>;
  /** Creates a container; returns its id. */
  create(spec: ContainerSpec, opts?: CallOptions): Promise<string>;
  /** The network of this name, or `undefined` when there is none. */
  inspectNetwork(name: string, opts?: CallOptions): Promise<NetworkInfo | undefined>;
  /** Creates a network like `like` (its name, driver, options, labels and `internal`; the engine picks addresses). */
  createNetwork(like: NetworkInfo, opts?: CallOptions): Promise<void>;
  /** Starts a container; with `checkpoint`, restores it from `<data-root>/containers/<id>/checkpoints/<name>`. */
  start(id: string, opts?: CallOptions & { readonly checkpoint?: string }): Promise<void>;
  /** Stops a container: its stop signal, then SIGKILL after `grace` (seconds, whole, default 10). */
  stop(id: string, grace?: Duration, opts?: CallOptions): Promise<void>;
  /**
   * Sets the restart policy of a container (`no`, `always`, `unless-stopped`, `on-failure[:N]`), without
   * starting or stopping it.
   */
  setRestartPolicy(id: string, policy: string, opts?: CallOptions): Promise<void>;
  /** Sends a signal (default `SIGKILL`). */
  kill(id: string, signal?: string, opts?: CallOptions): Promise<void>;
  /** Removes a container; `force` kills it first. Absent containers are not an error. */
  remove(
    id: string,
    opts?: CallOptions & { readonly force?: boolean; readonly volumes?: boolean },
  ): Promise<void>;
  /** Containers (running or not) that carry all the given labels (`value` undefined: label present). */
  list(
    filter?: { readonly labels?: Readonly<Record<string, string | undefined>> },
    opts?: CallOptions,
  ): Promise<ContainerSummary[]>;
  /** The root file-system diff against the image. */
  changes(id: string, opts?: CallOptions): Promise<FsChange[]>;
  /** Tar archives of paths of the container, one after the other (each must be consumed before the next). */
  exportPaths(id: string, paths: readonly string[], opts?: CallOptions): AsyncIterable<PathArchive>;
  /** Extracts a tar stream into directory `dir` of the container. */
  putArchive(id: string, dir: string, tar: Readable, opts?: CallOptions): Promise<void>;
  /** Whether an image with this reference or id exists. */
  imageExists(ref: string, opts?: CallOptions): Promise<boolean>;
  /** `docker save` of one image as a tar stream. */
  saveImage(ref: string, opts?: CallOptions): Promise<Readable>;
  /** `docker load` of a tar stream; returns the loaded references/ids the engine reported. */
  loadImage(tar: Readable, opts?: CallOptions): Promise<string[]>;
  /** stdout and stderr of a container, interleaved as written. `since`: only newer lines; `tail`: last N lines. */
  logs(id: string, opts?: CallOptions & { readonly since?: Date; readonly tail?: number }): Promise<string>;
  /** Waits until the container is not running; returns its exit code. */
  wait(id: string, opts?: CallOptions): Promise<number>;
  /** Closes connections held by the adapter (not the shell it may run over). */
  close(): Promise<void>;
}
