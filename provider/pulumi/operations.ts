/**
 * What the `ferry.Container` dynamic provider does, loaded at run time by the thin provider object
 * (`provider.ts`) inside the provider process. One instance per process (module state): the config read in
 * `configure()`, and the link coordinator shared by all concurrent migrations of the process.
 */
import type { ClustersFile, HostConfig } from '../config/clusters';
import { endpointsOf } from '../engine/cutover/endpoints';
import { InvalidInput } from '../errors';
import type { ConnectedHost } from '../hosts/connect';
import type { ContainerInfo } from '../hosts/container-runtime';
import { seconds } from '../units';
import { readProviderConfig, type ConfigSource, type ProviderConfig } from './config';
import { diffContainer } from './diff';
import { containerSpec, plannedEndpoints } from './container-spec';
import { moveContainer, resolveHost, runningOnAfter, type HostTarget } from './engine-bridge';
import { fileJournalStore, type JournalStore } from '../engine/journal/journal';
import { defaultLinkCacheFile, recordLink } from './link-cache';
import { recoverFirst } from './recover-first';
import { LinkCoordinator, linkKey } from './link-coordinator';
import {
  inputsOf,
  makeOutputs,
  RESOURCE_LABEL,
  type ContainerOutputs,
  type MigrationSummary,
  type Observed,
  type ObservedState,
} from './outputs';
import {
  containerInputsSchema,
  stripProvider,
  validateInputs,
  type ContainerInputs,
  type FieldFailure,
} from './schema';

/** Time limit of one engine call made by create/read/delete, seconds. */
const CALL = seconds(60);

/** The error Pulumi records as a partial failure: `properties` become the stored outputs. */
export class PartialFailure extends Error {
  /** Resource id. */
  readonly id: string;
  /** Outputs that say where the container really is. */
  readonly properties: ContainerOutputs;
  /** Why it failed. */
  readonly reasons: string[];

  constructor(message: string, id: string, properties: ContainerOutputs) {
    super(message);
    this.name = 'PartialFailure';
    this.id = id;
    this.properties = properties;
    this.reasons = [message];
  }
}

/** Connects to a host (injected for tests). */
export type Connect = (host: HostConfig) => Promise<ConnectedHost>;

/** The provider's state and operations. */
export class FerryOperations {
  private config: ProviderConfig = { clusters: 'the provider was not configured', maxMigrationsPerLink: 1 };
  /** Serializes migrations that share a link. */
  readonly links = new LinkCoordinator(1);

  /**
   * @param connect - connects to a host.
   * @param say - receives progress lines (default: the provider's stdout, which the Pulumi CLI shows).
   * @param linkCacheFile - where completed migrations record their link measurements (`false`: nowhere).
   * @param journal - the migration journals (default `~/.ferry/journal`, where the engine writes them).
   */
  constructor(
    private readonly connect: Connect,
    private readonly say: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
    private readonly linkCacheFile: string | false = defaultLinkCacheFile(),
    private readonly journal: () => JournalStore = () => fileJournalStore(),
  ) {}

  /** Finishes or rolls back the container's unfinished migrations first (see recover-first.ts). */
  private async recoverFirst(name: string): Promise<void> {
    await recoverFirst(name, this.clusters(), this.connect, this.say, this.journal());
  }

  /** Reads the stack config (`ferry:clusters`, `ferry:maxMigrationsPerLink`). */
  configure(config: ConfigSource): void {
    this.config = readProviderConfig(config);
    this.links.setLimit(this.config.maxMigrationsPerLink);
  }

  /** The topology, or throws with what is wrong. */
  private clusters(): ClustersFile {
    const c = this.config.clusters;
    if (typeof c === 'string') throw new InvalidInput('ferry:clusters', '(stack config)', c);
    return c;
  }

  /** Validates inputs; returns them (with `name` defaulted by the resource class) or the failures. */
  check(news: Record<string, unknown>): { inputs: Record<string, unknown>; failures: FieldFailure[] } {
    const v = validateInputs(news, this.config.clusters);
    const inputs =
      (v.inputs as Record<string, unknown> | undefined) ?? (stripProvider(news) as Record<string, unknown>);
    return { inputs, failures: [...v.failures] };
  }

  /** See `diff.ts`. */
  diff(
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): { changes: boolean; replaces: string[]; deleteBeforeReplace: boolean } {
    const d = diffContainer(olds, news);
    return { changes: d.changes, replaces: [...d.replaces], deleteBeforeReplace: d.replaces.length > 0 };
  }

  /** Creates and starts the container on its placement. Transactional: nothing is left behind on failure. */
  async create(raw: Record<string, unknown>): Promise<{ id: string; outs: ContainerOutputs }> {
    const inputs = parseInputs(raw);
    await this.recoverFirst(inputs.name);
    const where = await resolveHost(this.clusters(), inputs.placement.cluster, inputs.placement.host);
    await using h = await this.connect(where.host);
    if (!(await h.runtime.imageExists(inputs.image, { timeout: CALL }))) {
      throw new InvalidInput(
        'image',
        inputs.image,
        `an image present on ${label(where)} (no registry is used: load it there first)`,
      );
    }
    const existing = await h.runtime.inspect(inputs.name, { timeout: CALL });
    if (existing !== undefined) {
      throw new InvalidInput(
        'name',
        inputs.name,
        `a container name not used on ${label(where)} (a container of this name exists there: ${existing.id.slice(0, 12)})`,
      );
    }
    const id = await h.runtime.create(containerSpec(inputs), { timeout: CALL });
    try {
      await h.runtime.start(id, { timeout: CALL });
      const info = await h.runtime.inspect(id, { timeout: CALL });
      return { id: inputs.name, outs: makeOutputs(inputs, observed(where, info)) };
    } catch (e) {
      await h.runtime.remove(id, { force: true, timeout: CALL }).catch(() => undefined);
      throw e;
    }
  }

  /**
   * Finds where the container really is: on its recorded host, else on any other configured host (drift).
   * Not found anywhere: the resource is gone (empty id).
   */
  async read(id: string, props: Record<string, unknown>): Promise<{ id?: string; props?: ContainerOutputs }> {
    await this.recoverFirst(id);
    const found = await this.locate(id, asString(props.cluster), asString(props.host));
    if (found === undefined) return {};
    const inputs = inputsOf(props) as ContainerInputs;
    const last = props.lastMigration as MigrationSummary | undefined;
    return { id, props: makeOutputs(inputs, found, last) };
  }

  /** Migrates (placement changed) or only rewrites the outputs (policy, probe). */
  async update(
    id: string,
    olds: Record<string, unknown>,
    raw: Record<string, unknown>,
  ): Promise<{ outs: ContainerOutputs }> {
    const news = parseInputs(raw);
    await this.recoverFirst(news.name);
    const d = diffContainer(olds, raw);
    const lastOld = olds.lastMigration as MigrationSummary | undefined;
    const source = await resolveHost(this.clusters(), String(olds.cluster), asString(olds.host));
    if (!d.moves) {
      const where: Observed = {
        containerId: String(olds.containerId),
        cluster: source.cluster,
        host: source.host.name,
        state: (olds.state as ObservedState | undefined) ?? 'running',
        endpoints: plannedEndpoints(source, news),
      };
      return { outs: makeOutputs(news, where, lastOld) };
    }
    const target = await resolveHost(this.clusters(), news.placement.cluster, news.placement.host);
    // a move that a killed `pulumi up` left done (and recovery finished) is not made again
    const here = await this.locate(news.name, source.cluster, source.host.name).catch(() => undefined);
    if (here !== undefined && here.cluster === target.cluster && here.host === target.host.name) {
      this.say(`ferry ${news.name}: already on ${label(target)} (a move finished by recovery)`);
      return { outs: makeOutputs(news, here, lastOld) };
    }
    const key = linkKey(source.cluster, target.cluster);
    try {
      const moved = await this.links.withSlot(
        key,
        () =>
          moveContainer({
            container: news.name,
            source,
            target,
            policy: news.migration,
            probe: news.healthProbe,
            ...(news.cutover !== undefined ? { cutover: news.cutover } : {}),
            say: this.say,
            connect: this.connect,
          }),
        (pos) => this.say(`ferry ${news.name}: waiting for link ${key} (position ${pos} in its queue)`),
      );
      this.say(`ferry ${news.name}: migration report\n${moved.markdown}`);
      if (this.linkCacheFile !== false)
        recordLink(
          source.cluster,
          target.cluster,
          {
            rttSeconds: moved.summary.rttSeconds,
            bandwidthBytesPerSecond: moved.summary.bandwidthBytesPerSecond,
            measuredAt: moved.summary.finishedAt,
            source: `migration ${moved.summary.migrationId}`,
          },
          this.linkCacheFile,
        );
      const where: Observed = {
        containerId: moved.containerId,
        cluster: target.cluster,
        host: target.host.name,
        state: 'running',
        endpoints: plannedEndpoints(target, news),
      };
      return { outs: makeOutputs(news, where, moved.summary) };
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      const runningOn = runningOnAfter(e, source);
      const found = await this.locateAfterFailure(news.name, runningOn, source).catch(() => undefined);
      const oldInputs = inputsOf(olds) as ContainerInputs;
      const where: Observed = found ?? {
        containerId: String(olds.containerId),
        cluster: source.cluster,
        host: source.host.name,
        state: 'missing',
        endpoints: [],
      };
      // the stored inputs keep the old placement when the container stayed: the next `up` tries again
      const kept: ContainerInputs =
        where.cluster === target.cluster ? news : { ...news, placement: oldInputs.placement };
      const outs = makeOutputs(kept, where, lastOld);
      this.say(
        `ferry ${news.name}: migration failed; the container ${where.state === 'missing' ? 'was not found' : `runs on ${where.cluster}/${where.host} (${where.state})`}`,
      );
      // Pulumi stores these properties as they are: keep the serialized provider in them, or a later
      // refresh or destroy of this resource could not load its provider
      const provider = raw.__provider ?? olds.__provider;
      const properties = (
        provider === undefined ? outs : { ...outs, __provider: provider }
      ) as ContainerOutputs;
      throw new PartialFailure(
        `migration of ${news.name} to ${label(target)} failed: ${message}`,
        id,
        properties,
      );
    }
  }

  /** Removes the container from its host and any copy left on other configured hosts. */
  async delete(id: string, props: Record<string, unknown>): Promise<void> {
    await this.recoverFirst(id);
    const clusters = this.clusters();
    const recorded = asString(props.cluster);
    const recordedHost = asString(props.host);
    const problems: string[] = [];
    for (const { cluster, host } of allHosts(clusters)) {
      const isRecorded = cluster === recorded && (recordedHost === undefined || host.name === recordedHost);
      try {
        await using h = await this.connect(host);
        const mine = await h.runtime.list({ labels: { [RESOURCE_LABEL]: id } }, { timeout: CALL });
        for (const c of mine) await h.runtime.remove(c.id, { force: true, timeout: CALL });
        if (isRecorded) {
          const byName = await h.runtime.inspect(id, { timeout: CALL });
          if (byName !== undefined && byName.labels[RESOURCE_LABEL] === id)
            await h.runtime.remove(byName.id, { force: true, timeout: CALL });
        }
      } catch (e) {
        const m = `${cluster}/${host.name}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`;
        if (isRecorded) throw new Error(`cannot delete ${id}: ${m}`, { cause: e });
        problems.push(m);
      }
    }
    if (problems.length > 0)
      this.say(`ferry ${id}: could not sweep other hosts for leftovers: ${problems.join('; ')}`);
  }

  /** Looks on the recorded host first, then on every other host. */
  private async locate(
    name: string,
    cluster: string | undefined,
    host: string | undefined,
  ): Promise<Observed | undefined> {
    const clusters = this.clusters();
    const order = allHosts(clusters).sort((a, b) => rank(b) - rank(a));
    function rank(x: HostTarget): number {
      return x.cluster === cluster ? (host === undefined || x.host.name === host ? 2 : 1) : 0;
    }
    const unreachable: string[] = [];
    for (const where of order) {
      try {
        await using h = await this.connect(where.host);
        const info = await h.runtime.inspect(name, { timeout: CALL });
        if (info !== undefined && info.labels[RESOURCE_LABEL] === name) return observed(where, info);
      } catch (e) {
        if (rank(where) === 2) throw e;
        unreachable.push(`${label(where)} (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
      }
    }
    if (unreachable.length > 0) {
      throw new Error(
        `${name} is not on ${cluster ?? '?'}/${host ?? '?'} and some hosts could not be searched: ${unreachable.join('; ')}`,
      );
    }
    return undefined;
  }

  private async locateAfterFailure(
    name: string,
    runningOn: string | undefined,
    source: HostTarget,
  ): Promise<Observed | undefined> {
    if (runningOn !== undefined) {
      const [cluster, host] = runningOn.split('/');
      return this.locate(name, cluster, host);
    }
    return this.locate(name, source.cluster, source.host.name);
  }
}

function asString(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function label(t: HostTarget): string {
  return `${t.cluster}/${t.host.name}`;
}

function allHosts(clusters: ClustersFile): HostTarget[] {
  return clusters.clusters.flatMap((c) => c.hosts.map((host) => ({ cluster: c.name, host })));
}

function observed(where: HostTarget, info: ContainerInfo | undefined): Observed {
  return {
    containerId: info?.id ?? '',
    cluster: where.cluster,
    host: where.host.name,
    state: info?.state ?? 'missing',
    endpoints: endpointsOf(where.host.address, info?.publishedPorts ?? []),
  };
}

/** Parses inputs (already checked) into their typed form. @throws InvalidInput on the first bad field. */
function parseInputs(raw: Record<string, unknown>): ContainerInputs {
  const parsed = containerInputsSchema.safeParse(stripProvider(inputsOf(raw)));
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new InvalidInput(i.path.join('.') || 'inputs', undefined, i.message);
  }
  return parsed.data;
}

let shared: FerryOperations | undefined;

/**
 * The process-wide instance used by the provider object: one config, one link coordinator for all
 * resources that this provider process serves. Connects with `connectHost` (ssh2 + dockerode, loaded lazily).
 */
export function sharedOperations(): FerryOperations {
  shared ??= new FerryOperations(async (host) => (await import('../hosts/connect')).connectHost(host));
  return shared;
}

export { containerSpec } from './container-spec';
