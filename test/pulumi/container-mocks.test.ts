/**
 * The resource class under `pulumi.runtime.setMocks`: what it registers, and its outputs. The mock
 * engine throws on anything it does not expect.
 */
import * as pulumi from '@pulumi/pulumi';

const TYPE = 'pulumi-nodejs:dynamic/ferry:Container';
const registered: { name: string; inputs: Record<string, unknown> }[] = [];

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        if (args.type !== TYPE) throw new Error(`unexpected resource ${args.type} ${args.name}`);
        registered.push({ name: args.name, inputs: args.inputs as Record<string, unknown> });
        const i = args.inputs as { name: string; placement: { cluster: string; host?: string } };
        return {
          id: i.name,
          state: {
            ...args.inputs,
            containerId: `id-of-${i.name}`,
            cluster: i.placement.cluster,
            host: i.placement.host ?? 'host-1',
            state: 'running',
          },
        };
      },
      call(args) {
        throw new Error(`unexpected call ${args.token}`);
      },
    },
    'ferry-test',
    'unit',
    false,
  );
});

function valueOf<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply((v) => resolve(v)));
}

describe('ferry.Container (mocked engine)', () => {
  it('registers a dynamic resource with the serialized provider and the inputs', async () => {
    const { Container } = await import('../../provider/pulumi');
    const c = new Container('counter', {
      image: 'ferry/dirtier:latest',
      command: ['/bin/dirtier', '--mib', '32'],
      placement: { cluster: 'cluster-b' },
      migration: { strategy: 'pre-copy', targetDowntime: '500ms' },
    });
    expect(await valueOf(c.cluster)).toBe('cluster-b');
    expect(await valueOf(c.host)).toBe('host-1');
    expect(await valueOf(c.containerId)).toBe('id-of-counter');
    expect(await valueOf(c.state)).toBe('running');
    expect(await valueOf(c.name)).toBe('counter');
    const args = registered.find((r) => r.name === 'counter')!;
    expect(args.inputs.name).toBe('counter');
    expect(args.inputs.migration).toEqual({ strategy: 'pre-copy', targetDowntime: '500ms' });
    const provider = String(args.inputs.__provider);
    expect(provider).toContain('operations');
    expect(provider).not.toMatch(/ssh2|dockerode/);
  }, 60_000);

  it('takes the container name from args when given, and Outputs as inputs', async () => {
    const { Container } = await import('../../provider/pulumi');
    const cluster = pulumi.output('cluster-a');
    const c = new Container('web', {
      name: 'web-blue',
      image: 'ferry/dirtier:latest',
      placement: { cluster, host: 'host-1' },
    });
    expect(await valueOf(c.name)).toBe('web-blue');
    expect(await valueOf(c.cluster)).toBe('cluster-a');
    expect(registered.find((r) => r.name === 'web')!.inputs.placement).toEqual({
      cluster: 'cluster-a',
      host: 'host-1',
    });
  }, 60_000);

  it('serializes the provider once for all containers', async () => {
    const { Container } = await import('../../provider/pulumi');
    const a = new Container('a1', { image: 'i', placement: { cluster: 'cluster-a' } });
    const b = new Container('b1', { image: 'i', placement: { cluster: 'cluster-b' } });
    await Promise.all([valueOf(a.id), valueOf(b.id)]);
    const texts = new Set(
      registered.filter((r) => r.name === 'a1' || r.name === 'b1').map((r) => r.inputs.__provider as string),
    );
    expect(texts.size).toBe(1);
  }, 60_000);
});
