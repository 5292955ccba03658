/**
 * The dockerode adapter of `ContainerRuntime`. The only file that loads `dockerode`, and only inside the
 * factory functions (a Pulumi dynamic provider is serialized into state and must not capture it).
 *
 * Over SSH, the engine's unix socket is reached through `RemoteShell.openUnixSocket` (OpenSSH
 * `direct-streamlocal`), one forwarded channel per HTTP request, via `forwardingAgent` handed to
 * dockerode/docker-modem as its `agent`. Nothing is installed on the host; no `docker` CLI is needed.
 */
import './dispose-polyfill';
import type { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import { CommandFailed, FerryError, HostUnreachable, TimedOut } from '../errors';
import { inMillis, seconds, type Duration } from '../units';
import type {
  CallOptions,
  ContainerInfo,
  ContainerRuntime,
  ContainerSpec,
  ContainerSummary,
  EngineVersion,
  FsChange,
  NetworkInfo,
  PathArchive,
} from './container-runtime';
import { demuxDockerStream } from './docker-stream';
import * as api from './engine-api';
import { inspectSchema, networkSchema } from './inspect-schema';
import { forwardingAgent } from './forwarding-agent';
import type { RemoteShell } from './remote-shell';

/** Default time limits of the adapter, in seconds. */
export interface DockerodeRuntimeOptions {
  /** Limit of ordinary calls (inspect, create, start, ...), default 60 s. */
  readonly callTimeout?: Duration;
  /** Limit of bulk calls (image load/save start, archives, wait), default 1800 s. */
  readonly bulkTimeout?: Duration;
}

/** A `ContainerRuntime` for the engine at `socketPath` on the host behind `shell`. */
export async function dockerodeRuntimeOverShell(
  shell: RemoteShell,
  socketPath: string,
  opts: DockerodeRuntimeOptions = {},
): Promise<ContainerRuntime> {
  const agent = forwardingAgent(() => shell.openUnixSocket(socketPath));
  const { default: Docker } = await import('dockerode');
  // `host` only makes docker-modem build http://docker/... URLs; the agent decides where bytes go.
  const options: Dockerode.DockerOptions & { agent: typeof agent } = {
    host: 'docker',
    port: 80,
    protocol: 'http',
    agent,
  };
  const docker = new Docker(options);
  return new DockerodeRuntime(docker, `${shell.describe()} (engine ${socketPath})`, opts, () =>
    agent.destroy(),
  );
}

/** A `ContainerRuntime` for an engine socket on this machine (tests and tools). */
export async function localDockerodeRuntime(
  socketPath: string,
  opts: DockerodeRuntimeOptions = {},
): Promise<ContainerRuntime> {
  const { default: Docker } = await import('dockerode');
  // `host: undefined` overrides DOCKER_HOST from the environment, which docker-modem would otherwise prefer.
  return new DockerodeRuntime(
    new Docker({ socketPath, host: undefined }),
    `local engine ${socketPath}`,
    opts,
    () => undefined,
  );
}

/** Calls whose options dockerode accepts but @types/dockerode does not declare. */
interface UntypedCalls {
  ping(opts: { abortSignal: AbortSignal }): Promise<unknown>;
  version(opts: { abortSignal: AbortSignal }): Promise<unknown>;
}

/** dockerode rejects with errors like this for HTTP status codes it does not accept. */
interface HttpError {
  readonly statusCode?: number;
  readonly message?: string;
  readonly code?: string;
}

class DockerodeRuntime implements ContainerRuntime {
  private readonly callTimeout: Duration;
  private readonly bulkTimeout: Duration;

  constructor(
    private readonly docker: Dockerode,
    private readonly where: string,
    opts: DockerodeRuntimeOptions,
    private readonly onClose: () => void,
  ) {
    this.callTimeout = opts.callTimeout ?? seconds(60);
    this.bulkTimeout = opts.bulkTimeout ?? seconds(1800);
  }

  private get untyped(): UntypedCalls {
    return this.docker;
  }

  async ping(o?: CallOptions): Promise<void> {
    await this.call('GET /_ping', o, (abortSignal) => this.untyped.ping({ abortSignal }));
  }

  async version(o?: CallOptions): Promise<EngineVersion> {
    const raw = await this.call('GET /version', o, (abortSignal) => this.untyped.version({ abortSignal }));
    return api.toEngineVersion(raw as api.RawVersion);
  }

  async inspect(nameOrId: string, o?: CallOptions): Promise<ContainerInfo | undefined> {
    const raw = await this.call(`GET /containers/${nameOrId}/json`, o, (abortSignal) =>
      this.docker.getContainer(nameOrId).inspect({ abortSignal }),
    ).catch(ifStatus(404, undefined));
    if (raw === undefined) return undefined;
    const parsed = inspectSchema.safeParse(raw);
    if (!parsed.success)
      throw new CommandFailed(
        ['GET', `/containers/${nameOrId}/json`],
        200,
        `the engine's inspect does not parse: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        this.where,
      );
    return api.toContainerInfo(parsed.data);
  }

  async create(spec: ContainerSpec, o?: CallOptions): Promise<string> {
    const body = api.toCreateBody(spec);
    const c = await this.call('POST /containers/create', o, (abortSignal) =>
      // dockerode would put every option into the query string too (env included): split them explicitly.
      this.docker.createContainer({
        _query: spec.name ? { name: spec.name } : {},
        _body: body,
        abortSignal,
      } as unknown as Dockerode.ContainerCreateOptions),
    );
    return c.id;
  }

  async start(id: string, o?: CallOptions & { readonly checkpoint?: string }): Promise<void> {
    const checkpoint = o?.checkpoint;
    const path = `/containers/${id}/start${checkpoint ? `?checkpoint=${checkpoint}` : ''}`;
    // dockerode would also send the options as a JSON body, which the engine refuses for start (API >= 1.24).
    const options = { _query: checkpoint ? { checkpoint } : {}, _body: {} };
    await this.call(`POST ${path}`, o, (abortSignal) =>
      this.docker.getContainer(id).start({ ...options, abortSignal } as Dockerode.ContainerStartOptions),
    ).catch(ifStatus(checkpoint ? -1 : 304, undefined));
  }

  async stop(id: string, grace: Duration = seconds(10), o?: CallOptions): Promise<void> {
    const t = Math.ceil(grace);
    const limit = o?.timeout ?? seconds(this.callTimeout + t);
    await this.call(`POST /containers/${id}/stop?t=${t}`, { timeout: limit }, (abortSignal) =>
      this.docker.getContainer(id).stop({ t, abortSignal }),
    ).catch(ifStatus(304, undefined));
  }

  async setRestartPolicy(id: string, policy: string, o?: CallOptions): Promise<void> {
    await this.call(`POST /containers/${id}/update`, o, (abortSignal) =>
      this.docker.getContainer(id).update({ RestartPolicy: api.restartPolicyBody(policy), abortSignal }),
    );
  }

  async kill(id: string, signal = 'SIGKILL', o?: CallOptions): Promise<void> {
    await this.call(`POST /containers/${id}/kill?signal=${signal}`, o, (abortSignal) =>
      this.docker.getContainer(id).kill({ signal, abortSignal }),
    );
  }

  async remove(
    id: string,
    o?: CallOptions & { readonly force?: boolean; readonly volumes?: boolean },
  ): Promise<void> {
    await this.call(`DELETE /containers/${id}`, o, (abortSignal) =>
      this.docker.getContainer(id).remove({ force: o?.force ?? false, v: o?.volumes ?? false, abortSignal }),
    ).catch(ifStatus(404, undefined));
  }

  async list(
    filter: { readonly labels?: Readonly<Record<string, string | undefined>> } = {},
    o?: CallOptions,
  ): Promise<ContainerSummary[]> {
    const filters = api.labelFilters(filter.labels);
    const raw = await this.call('GET /containers/json', o, (abortSignal) =>
      this.docker.listContainers({ all: true, filters, abortSignal }),
    );
    return (raw as unknown as api.RawSummary[]).map(api.toSummary);
  }

  async changes(id: string, o?: CallOptions): Promise<FsChange[]> {
    const raw: unknown = await this.call(`GET /containers/${id}/changes`, o, (abortSignal) =>
      this.docker.getContainer(id).changes({ abortSignal }),
    );
    return api.toFsChanges(raw);
  }

  async *exportPaths(id: string, paths: readonly string[], o?: CallOptions): AsyncIterable<PathArchive> {
    for (const path of paths) {
      const tar = await this.call(`GET /containers/${id}/archive?path=${path}`, this.bulk(o), (abortSignal) =>
        this.docker.getContainer(id).getArchive({ path, abortSignal }),
      );
      yield { path, parentDir: api.parentDir(path), tar: tar as Readable };
    }
  }

  async putArchive(id: string, dir: string, tar: Readable, o?: CallOptions): Promise<void> {
    await this.call(`PUT /containers/${id}/archive?path=${dir}`, this.bulk(o), (abortSignal) =>
      this.docker.getContainer(id).putArchive(tar, { path: dir, abortSignal }),
    );
  }

  async inspectNetwork(name: string, o?: CallOptions): Promise<NetworkInfo | undefined> {
    const raw: unknown = await this.call(`GET /networks/${name}`, o, () =>
      this.docker.getNetwork(name).inspect(),
    ).catch(ifStatus(404, undefined));
    if (raw === undefined) return undefined;
    const parsed = networkSchema.safeParse(raw);
    if (!parsed.success)
      throw new CommandFailed(
        ['GET', `/networks/${name}`],
        200,
        `unexpected network inspect: ${parsed.error.message}`,
        this.where,
      );
    return api.toNetworkInfo(parsed.data);
  }

  async createNetwork(like: NetworkInfo, o?: CallOptions): Promise<void> {
    await this.call('POST /networks/create', o, () =>
      this.docker.createNetwork({
        Name: like.name,
        Driver: like.driver,
        Options: { ...like.options },
        Labels: { ...like.labels },
        Internal: like.internal,
        CheckDuplicate: true,
      }),
    );
  }

  async imageExists(ref: string, o?: CallOptions): Promise<boolean> {
    return this.call(`GET /images/${ref}/json`, o, () => this.docker.getImage(ref).inspect())
      .then(() => true)
      .catch(ifStatus(404, false));
  }

  async saveImage(ref: string, o?: CallOptions): Promise<Readable> {
    const s = await this.call(`GET /images/${ref}/get`, o, () => this.docker.getImage(ref).get());
    return s as Readable;
  }

  async loadImage(tar: Readable, o?: CallOptions): Promise<string[]> {
    return this.call('POST /images/load', this.bulk(o), async (abortSignal) => {
      const res = (await this.docker.loadImage(tar, { quiet: true, abortSignal })) as Readable;
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      return api.parseLoadOutput(Buffer.concat(chunks).toString('utf8'));
    });
  }

  async logs(
    id: string,
    o?: CallOptions & { readonly since?: Date; readonly tail?: number },
  ): Promise<string> {
    const raw: unknown = await this.call(`GET /containers/${id}/logs`, o, (abortSignal) => {
      const q: Dockerode.ContainerLogsOptions & { follow: false } = {
        stdout: true,
        stderr: true,
        follow: false,
      };
      if (o?.since) q.since = Math.floor(o.since.getTime() / 1000);
      if (o?.tail !== undefined) q.tail = o.tail;
      return this.docker.getContainer(id).logs({ ...q, abortSignal });
    });
    // docker-modem parses bodies that happen to be JSON (a TTY container printing JSON): undo that.
    const buf = Buffer.isBuffer(raw) ? raw : Buffer.from(typeof raw === 'string' ? raw : JSON.stringify(raw));
    return demuxDockerStream(buf).combined.toString('utf8');
  }

  async wait(id: string, o?: CallOptions): Promise<number> {
    const raw = (await this.call(`POST /containers/${id}/wait`, this.bulk(o), (abortSignal) =>
      this.docker.getContainer(id).wait({ condition: 'not-running', abortSignal }),
    )) as { StatusCode?: number };
    return raw.StatusCode ?? -1;
  }

  async close(): Promise<void> {
    this.onClose();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private bulk(o?: CallOptions): CallOptions {
    return { timeout: o?.timeout ?? this.bulkTimeout };
  }

  /** Runs one engine call under a deadline and maps its failure into the Ferry error hierarchy. */
  private async call<T>(
    what: string,
    o: CallOptions | undefined,
    fn: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const limit = o?.timeout ?? this.callTimeout;
    const ac = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        ac.abort();
        reject(new TimedOut(`${what} on ${this.where}`, limit));
      }, inMillis(limit));
    });
    try {
      return await Promise.race([fn(ac.signal), deadline]);
    } catch (error) {
      throw this.mapError(what, error);
    } finally {
      clearTimeout(timer);
    }
  }

  private mapError(what: string, error: unknown): FerryError {
    if (error instanceof FerryError) return error;
    const e = (error ?? {}) as HttpError;
    const message = e.message ?? String(error);
    if (typeof e.statusCode === 'number') {
      return new CommandFailed(what.split(' '), e.statusCode, message, this.where);
    }
    if (e.code && ['ECONNREFUSED', 'ENOENT', 'EACCES', 'ECONNRESET', 'EPIPE'].includes(e.code)) {
      return new HostUnreachable(this.where, `Docker Engine socket: ${message}`, {
        hint: 'check that dockerd runs and listens on this socket',
        cause: error,
      });
    }
    return new CommandFailed(what.split(' '), null, message, this.where);
  }
}

/** A `.catch` handler that turns a `CommandFailed` with HTTP status `status` into `value`. */
function ifStatus<V>(status: number, value: V): (error: unknown) => V {
  return (error: unknown) => {
    if (error instanceof CommandFailed && error.exitCode === status) return value;
    throw error;
  };
}
