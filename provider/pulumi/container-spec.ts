/**
 * What a `ferry.Container`'s inputs mean for the engine (pure): the container spec it creates, and the
 * endpoints that spec publishes on a host.
 */
import { endpointsOf, type Endpoint } from '../engine/cutover/endpoints';
import type { ContainerSpec } from '../hosts/container-runtime';
import { parseBytes } from '../units';
import type { HostTarget } from './engine-bridge';
import { MANAGED_BY_LABEL, RESOURCE_LABEL } from './outputs';
import type { ContainerInputs } from './schema';

/** The endpoints a container of `inputs` publishes on `where` (its ports at the host's address). */
export function plannedEndpoints(where: HostTarget, inputs: ContainerInputs): Endpoint[] {
  return endpointsOf(where.host.address, containerSpec(inputs).hostConfig?.ports ?? []);
}

/** The engine spec of a container. */
export function containerSpec(inputs: ContainerInputs): ContainerSpec {
  const r = inputs.resources;
  return {
    name: inputs.name,
    image: inputs.image,
    ...(inputs.command !== undefined ? { cmd: inputs.command } : {}),
    ...(inputs.env !== undefined ? { env: Object.entries(inputs.env).map(([k, v]) => `${k}=${v}`) } : {}),
    labels: { ...(inputs.labels ?? {}), [RESOURCE_LABEL]: inputs.name, [MANAGED_BY_LABEL]: 'ferry-pulumi' },
    ...(inputs.networks !== undefined
      ? { networks: inputs.networks.map((n) => ({ name: n.name, aliases: n.aliases ?? [] })) }
      : {}),
    hostConfig: {
      networkMode: inputs.networkMode ?? inputs.networks?.[0]?.name ?? 'bridge',
      ...(r?.memory !== undefined ? { memory: parseBytes(r.memory, 'resources.memory') } : {}),
      ...(r?.cpus !== undefined ? { nanoCpus: Math.round(r.cpus * 1e9) } : {}),
      ...(inputs.restart !== undefined ? { restartPolicy: inputs.restart } : {}),
      ...(inputs.ports !== undefined
        ? {
            ports: inputs.ports.map((p) => ({
              internal: p.internal,
              external: p.external ?? p.internal,
              protocol: p.protocol ?? 'tcp',
              ...(p.ip !== undefined ? { ip: p.ip } : {}),
            })),
          }
        : {}),
    },
  };
}
