import { memoryJournalStore } from '../../provider/engine/journal/journal';
/**
 * The provider's operations against fake hosts (an in-memory engine per host; anything else the code
 * calls throws) and a fake engine bridge: create, read/drift, update (move, output-only, partial failure),
 * delete.
 */
import type { HostConfig } from '../../provider/config/clusters';
import { PreflightFailed, RestoreFailed } from '../../provider/errors';
import type { ConnectedHost } from '../../provider/hosts/connect';
import type { ContainerInfo, ContainerSpec, ContainerState } from '../../provider/hosts/container-runtime';
import type { MoveRequest, MoveResult } from '../../provider/pulumi/engine-bridge';
import { FerryOperations, PartialFailure } from '../../provider/pulumi/operations';
import { clusters, inputs, withField } from './fixtures';

const moveContainer = jest.fn<Promise<MoveResult>, [MoveRequest]>();
jest.mock('../../provider/pulumi/engine-bridge', () => ({
  ...jest.requireActual<object>('../../provider/pulumi/engine-bridge'),
  moveContainer: (req: MoveRequest) => moveContainer(req),
}));

interface FakeContainer {
  id: string;
  name: string;
  state: ContainerState;
  labels: Record<string, string>;
  spec: ContainerSpec;
}

/** One in-memory engine per host address. */
class FakeHosts {
  readonly engines = new Map<string, Map<string, FakeContainer>>();
  readonly unreachable = new Set<string>();
  private next = 0;

  engine(address: string): Map<string, FakeContainer> {
    let e = this.engines.get(address);
    if (e === undefined) this.engines.set(address, (e = new Map<string, FakeContainer>()));
    return e;
  }

  connect = async (host: HostConfig): Promise<ConnectedHost> => {
    if (this.unreachable.has(host.address)) throw new Error(`connect ${host.address}: refused`);
    const e = this.engine(host.address);
    const find = (nameOrId: string): FakeContainer | undefined =>
      [...e.values()].find((c) => c.id === nameOrId || c.name === nameOrId);
    const info = (c: FakeContainer): ContainerInfo =>
      ({
        id: c.id,
        name: c.name,
        state: c.state,
        labels: c.labels,
        spec: c.spec,
        publishedPorts: c.spec.hostConfig?.ports ?? [],
      }) as unknown as ContainerInfo;
    const runtime = {
      imageExists: async (ref: string) => ref === 'ferry/dirtier:latest',
      inspect: async (n: string) => {
        const c = find(n);
        return c === undefined ? undefined : info(c);
      },
      create: async (spec: ContainerSpec) => {
        if (find(spec.name!) !== undefined) throw new Error('name taken');
        const id = `id${++this.next}`;
        e.set(id, { id, name: spec.name!, state: 'created', labels: { ...(spec.labels ?? {}) }, spec });
        return id;
      },
      start: async (id: string) => {
        find(id)!.state = 'running';
      },
      remove: async (id: string) => {
        e.delete(find(id)?.id ?? id);
      },
      list: async (filter?: { labels?: Record<string, string | undefined> }) =>
        [...e.values()]
          .filter((c) => Object.entries(filter?.labels ?? {}).every(([k, v]) => c.labels[k] === v))
          .map((c) => ({ id: c.id, name: c.name, image: c.spec.image, state: c.state, labels: c.labels })),
      close: async () => undefined,
    };
    const strict = <T extends object>(o: T, what: string): T =>
      new Proxy(o, {
        get(target, prop, receiver) {
          if (prop in target || typeof prop === 'symbol' || prop === 'then')
            return Reflect.get(target, prop, receiver) as unknown;
          throw new Error(`unexpected call ${what}.${String(prop)}`);
        },
      });
    const close = async (): Promise<void> => undefined;
    return strict(
      {
        runtime: strict(runtime, 'runtime'),
        config: host,
        close,
        [Symbol.asyncDispose]: close,
      } as unknown as ConnectedHost,
      'host',
    );
  };
}

const A = '198.18.1.2';
const B = '198.18.2.2';

function setUp(): { hosts: FakeHosts; ops: FerryOperations; lines: string[] } {
  const hosts = new FakeHosts();
  const lines: string[] = [];
  const ops = new FerryOperations(
    hosts.connect,
    (l) => lines.push(l),
    false,
    () => memoryJournalStore(),
  );
  ops.configure({ get: (k) => (k === 'ferry:clusters' ? JSON.stringify(clusters()) : undefined) });
  return { hosts, ops, lines };
}

beforeEach(() => moveContainer.mockReset());

describe('create', () => {
  it('starts the container on its placement with Ferry labels and returns outputs', async () => {
    const { hosts, ops } = setUp();
    const { id, outs } = await ops.create(inputs());
    expect(id).toBe('web-1');
    expect(outs).toMatchObject({
      cluster: 'cluster-a',
      host: 'host-1',
      state: 'running',
      containerId: 'id1',
      image: 'ferry/dirtier:latest',
    });
    const c = [...hosts.engine(A).values()][0]!;
    expect(c.labels).toMatchObject({
      team: 'infra',
      'ferry.resource': 'web-1',
      'ferry.managed-by': 'ferry-pulumi',
    });
    expect(c.spec.env).toEqual(['MODE=fast']);
    expect(c.spec.hostConfig).toEqual({ networkMode: 'bridge', memory: 256 * 1024 * 1024, nanoCpus: 5e8 });
    expect(outs.endpoints).toEqual([]);
  });

  it('publishes ports, sets the restart policy and a network, and says where clients reach it', async () => {
    const { hosts, ops } = setUp();
    const raw = {
      ...inputs(),
      ports: [{ internal: 6379 }, { internal: 53, external: 5353, protocol: 'udp' }],
      restart: 'always',
      networks: [{ name: 'appnet', aliases: ['cache'] }],
    };
    const { outs } = await ops.create(raw);
    const c = [...hosts.engine(A).values()][0]!;
    expect(c.spec.networks).toEqual([{ name: 'appnet', aliases: ['cache'] }]);
    expect(c.spec.hostConfig).toMatchObject({
      networkMode: 'appnet',
      restartPolicy: 'always',
      ports: [
        { internal: 6379, external: 6379, protocol: 'tcp' },
        { internal: 53, external: 5353, protocol: 'udp' },
      ],
    });
    expect(outs.endpoints).toEqual([
      { protocol: 'udp', host: A, port: 5353 },
      { protocol: 'tcp', host: A, port: 6379 },
    ]);
  });

  it('refuses an image that is not on the host, and a name that is taken', async () => {
    const { ops } = setUp();
    await expect(ops.create(withField(inputs(), 'image', 'nope:1'))).rejects.toThrow(
      /invalid image.*present on cluster-a\/host-1/,
    );
    await ops.create(inputs());
    await expect(ops.create(inputs())).rejects.toThrow(/a container name not used on cluster-a\/host-1/);
  });
});

describe('read', () => {
  it('finds the container where it was, moved elsewhere (drift), or nowhere', async () => {
    const { hosts, ops } = setUp();
    const { outs } = await ops.create(inputs());
    const props = outs as unknown as Record<string, unknown>;
    expect((await ops.read('web-1', props)).props).toMatchObject({ cluster: 'cluster-a', state: 'running' });
    // moved by hand to cluster-b
    const c = hosts.engine(A).get('id1')!;
    hosts.engine(A).delete('id1');
    hosts.engine(B).set('id9', { ...c, id: 'id9', state: 'exited' });
    expect((await ops.read('web-1', props)).props).toMatchObject({
      cluster: 'cluster-b',
      containerId: 'id9',
      state: 'exited',
    });
    hosts.engine(B).clear();
    expect(await ops.read('web-1', props)).toEqual({});
  });

  it('fails rather than report a deletion when the recorded host cannot be reached', async () => {
    const { hosts, ops } = setUp();
    const { outs } = await ops.create(inputs());
    hosts.unreachable.add(A);
    await expect(ops.read('web-1', outs as unknown as Record<string, unknown>)).rejects.toThrow(/refused/);
  });
});

describe('update', () => {
  it('a policy change rewrites the outputs without a migration', async () => {
    const { ops } = setUp();
    const { outs } = await ops.create(inputs());
    const news = withField(inputs(), 'migration.targetDowntime', '2s');
    const r = await ops.update('web-1', outs as unknown as Record<string, unknown>, news);
    expect(r.outs).toMatchObject({
      cluster: 'cluster-a',
      containerId: 'id1',
      migration: { targetDowntime: '2s' },
    });
    expect(moveContainer).not.toHaveBeenCalled();
  });

  it('a placement change migrates through the engine and reports where it runs', async () => {
    const { ops, lines } = setUp();
    const { outs } = await ops.create({ ...inputs(), ports: [{ internal: 80, external: 8080 }] });
    moveContainer.mockImplementation(async (req) => {
      req.say('progress line');
      return {
        containerId: 'newid',
        summary: {
          migrationId: 'm1',
          rttSeconds: 0.05,
          bandwidthBytesPerSecond: 1e7,
          finishedAt: new Date().toISOString(),
        } as never,
        markdown: '# report',
      };
    });
    const r = await ops.update(
      'web-1',
      outs as unknown as Record<string, unknown>,
      withField({ ...inputs(), ports: [{ internal: 80, external: 8080 }] }, 'placement.cluster', 'cluster-b'),
    );
    expect(r.outs).toMatchObject({
      cluster: 'cluster-b',
      host: 'host-1',
      containerId: 'newid',
      state: 'running',
      endpoints: [{ protocol: 'tcp', host: B, port: 8080 }],
      placement: { cluster: 'cluster-b' },
    });
    const req = moveContainer.mock.calls[0]![0];
    expect([req.source.cluster, req.target.cluster, req.container]).toEqual([
      'cluster-a',
      'cluster-b',
      'web-1',
    ]);
    expect(lines).toEqual(
      expect.arrayContaining(['progress line', expect.stringMatching(/migration report\n# report/)]),
    );
  });

  it.each([
    ['preflight (nothing touched)', () => new PreflightFailed('criu missing', 'cluster-a/host-1')],
    ['restore rolled back', () => new RestoreFailed('engine refused', 'cluster-a/host-1')],
  ])('a failed migration (%s) is a partial failure that says the container is on A', async (_what, error) => {
    const { ops, lines } = setUp();
    const { outs } = await ops.create(inputs());
    moveContainer.mockRejectedValue(error());
    const news = {
      ...withField(inputs(), 'placement.cluster', 'cluster-b'),
      __provider: 'exports.handler = __f0; /* v2 */',
    };
    const e = (await ops
      .update('web-1', outs as unknown as Record<string, unknown>, news)
      .catch((x: unknown) => x)) as PartialFailure;
    expect(e).toBeInstanceOf(PartialFailure);
    // the stored properties keep the serialized provider: refresh and destroy need it
    expect((e.properties as unknown as Record<string, unknown>).__provider).toBe(
      'exports.handler = __f0; /* v2 */',
    );
    expect(e.id).toBe('web-1');
    expect(e.properties).toMatchObject({
      cluster: 'cluster-a',
      host: 'host-1',
      containerId: 'id1',
      state: 'running',
      placement: { cluster: 'cluster-a' },
    });
    expect(e.reasons[0]).toMatch(/migration of web-1 to cluster-b\/host-1 failed/);
    expect(lines.at(-1)).toMatch(/runs on cluster-a\/host-1 \(running\)/);
  });

  it('a failure after which the container is found on B records B', async () => {
    const { hosts, ops } = setUp();
    const { outs } = await ops.create(inputs());
    moveContainer.mockImplementation(async () => {
      const c = hosts.engine(A).get('id1')!;
      hosts.engine(A).delete('id1');
      hosts.engine(B).set('id7', { ...c, id: 'id7' });
      throw new Error('connection lost while cleaning up');
    });
    const e = (await ops
      .update(
        'web-1',
        outs as unknown as Record<string, unknown>,
        withField(inputs(), 'placement.cluster', 'cluster-b'),
      )
      .catch((x: unknown) => x)) as PartialFailure;
    expect(e.properties).toMatchObject({
      cluster: 'cluster-b',
      containerId: 'id7',
      placement: { cluster: 'cluster-b' },
    });
  });

  it('migrations over the same link take turns', async () => {
    const { ops } = setUp();
    const a = await ops.create(inputs());
    const b = await ops.create(withField(inputs(), 'name', 'web-2'));
    let running = 0;
    let peak = 0;
    moveContainer.mockImplementation(async (req) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 20));
      running--;
      return {
        containerId: `moved-${req.container}`,
        summary: {
          rttSeconds: 0.05,
          bandwidthBytesPerSecond: 1e7,
          finishedAt: new Date().toISOString(),
        } as never,
        markdown: '',
      };
    });
    await Promise.all([
      ops.update(
        'web-1',
        a.outs as unknown as Record<string, unknown>,
        withField(inputs(), 'placement.cluster', 'cluster-b'),
      ),
      ops.update(
        'web-2',
        b.outs as unknown as Record<string, unknown>,
        withField(withField(inputs(), 'name', 'web-2'), 'placement.cluster', 'cluster-b'),
      ),
    ]);
    expect(peak).toBe(1);
  });
});

describe('delete', () => {
  it('removes the container and any copy left on other hosts', async () => {
    const { hosts, ops } = setUp();
    const { outs } = await ops.create(inputs());
    const leftover = { ...hosts.engine(A).get('id1')!, id: 'left', state: 'created' as const };
    hosts.engine(B).set('left', leftover);
    await ops.delete('web-1', outs as unknown as Record<string, unknown>);
    expect(hosts.engine(A).size).toBe(0);
    expect(hosts.engine(B).size).toBe(0);
  });

  it('fails when the recorded host cannot be reached (the resource stays)', async () => {
    const { hosts, ops } = setUp();
    const { outs } = await ops.create(inputs());
    hosts.unreachable.add(A);
    await expect(ops.delete('web-1', outs as unknown as Record<string, unknown>)).rejects.toThrow(
      /cannot delete web-1: cluster-a\/host-1/,
    );
  });
});

describe('config', () => {
  it('check reports a missing ferry:clusters on the placement', () => {
    const ops = new FerryOperations(
      () => Promise.reject(new Error('unexpected connect')),
      undefined,
      false,
      () => memoryJournalStore(),
    );
    ops.configure({ get: () => undefined });
    expect(ops.check(inputs()).failures).toEqual([
      {
        property: 'placement.cluster',
        reason: expect.stringMatching(/no ferry:clusters in the stack config/),
      },
    ]);
  });
});
