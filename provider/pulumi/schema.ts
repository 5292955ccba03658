/**
 * Zod schemas of what the `ferry.Container` dynamic provider receives: the resource inputs and the
 * `ferry:clusters` stack config. Pure: no I/O. `validateInputs` returns one failure per bad field, with a
 * message that says what is wrong and what is expected; fields that are unknown during a preview are not
 * judged.
 */
import { z } from 'zod';
import type { ClustersFile } from '../config/clusters';
import {
  CONTAINER_NAME,
  nonEmpty,
  objectError,
  positiveDurationText,
  sizeText,
  stringMap,
  dottedPath,
  type FieldFailure,
} from './schema-fields';

export { clustersFileSchema, hostConfigSchema, parseClusters, type ClustersParse } from './clusters-schema';
export { dottedPath, type FieldFailure } from './schema-fields';

/** The value Pulumi passes for an input that is not known yet (during a preview). */
export const UNKNOWN = '04da6b54-80e4-46f7-96ec-b56ff0331ba9';

/** Whether `v` is Pulumi's unknown-value sentinel. */
export function isUnknown(v: unknown): boolean {
  return v === UNKNOWN;
}

/** The strategies a user may ask for. `post-copy` is accepted by the schema but refused by `check` (see docs). */
export const STRATEGIES = ['auto', 'pre-copy', 'post-copy', 'stop-and-copy'] as const;

/** A migration strategy a user may ask for. */
export type StrategyInput = (typeof STRATEGIES)[number];

/** Where the container should run. */
export const placementSchema = z.strictObject(
  {
    cluster: nonEmpty('a cluster name from ferry:clusters'),
    host: nonEmpty('a host name of the cluster').optional(),
  },
  { error: objectError('{ cluster, host? }') },
);

/** How a placement change is carried out. */
export const migrationPolicySchema = z.strictObject(
  {
    strategy: z.enum(STRATEGIES, { error: `expected one of ${STRATEGIES.join(', ')}` }).optional(),
    targetDowntime: positiveDurationText.optional(),
    timeout: positiveDurationText.optional(),
    postCopyAllowed: z.boolean({ error: 'expected true or false' }).optional(),
    extraDowntimeAcceptable: z.boolean({ error: 'expected true or false' }).optional(),
    maxRounds: z
      .number({ error: 'expected a whole number of rounds' })
      .int({ error: 'expected a whole number of rounds' })
      .min(0, { error: 'expected 0 or more rounds' })
      .max(100, { error: 'expected at most 100 rounds' })
      .optional(),
    calibrationProfile: nonEmpty('a calibration profile name or the path of a profile file').optional(),
  },
  {
    error: objectError(
      '{ strategy?, targetDowntime?, timeout?, postCopyAllowed?, extraDowntimeAcceptable?, maxRounds?, calibrationProfile? }',
    ),
  },
);

/** Resource limits of the container. */
export const resourcesSchema = z.strictObject(
  {
    memory: sizeText.optional(),
    cpus: z
      .number({ error: 'expected a number of CPUs, like 0.5 or 2' })
      .positive({ error: 'expected more than 0 CPUs' })
      .optional(),
  },
  { error: objectError('{ memory?, cpus? }') },
);

const portNumber = (what: string) =>
  z
    .number({ error: `expected ${what} (a port number 1..65535)` })
    .int({ error: `expected ${what} (a whole port number)` })
    .min(1, { error: `expected ${what} in 1..65535` })
    .max(65535, { error: `expected ${what} in 1..65535` });

/** A published port (the names of @pulumi/docker's `ports`). */
export const portSchema = z.strictObject(
  {
    internal: portNumber('the port inside the container'),
    external: portNumber('the port on the host').optional(),
    protocol: z.enum(['tcp', 'udp'], { error: 'expected "tcp" or "udp"' }).optional(),
    ip: z
      .string({ error: 'expected a host address to bind (a string)' })
      .regex(/^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]+)$/, { error: 'expected an IPv4 or IPv6 address to bind' })
      .optional(),
  },
  { error: objectError('{ internal, external?, protocol?, ip? }') },
);

/** A user-defined network (the names of @pulumi/docker's `networksAdvanced`). */
export const networkSchema = z.strictObject(
  {
    name: nonEmpty('a Docker network name'),
    aliases: z.array(nonEmpty('an alias'), { error: 'expected a list of aliases' }).optional(),
  },
  { error: objectError('{ name, aliases? }') },
);

/** Restart policies (the names of @pulumi/docker's `restart`). */
export const RESTART_POLICIES = ['no', 'on-failure', 'always', 'unless-stopped'] as const;

/** The inputs of a `ferry.Container` as the provider receives them (plain JSON). */
export const containerInputsSchema = z
  .strictObject(
    {
      name: z.string({ error: 'expected a container name' }).regex(CONTAINER_NAME, {
        error: 'expected a Docker container name: letters, digits, "_", "." and "-", at least 2 characters',
      }),
      image: nonEmpty('an image reference present on the hosts, like "ferry/dirtier:latest"'),
      command: z
        .array(z.string(), { error: 'expected an argv array of strings' })
        .min(1, { error: 'expected at least the program' })
        .optional(),
      env: stringMap('environment variables').optional(),
      labels: stringMap('labels').optional(),
      resources: resourcesSchema.optional(),
      networkMode: nonEmpty('a Docker network mode like "bridge", "none" or a network name').optional(),
      ports: z
        .array(portSchema, { error: 'expected a list of { internal, external?, protocol?, ip? }' })
        .optional(),
      networks: z
        .array(networkSchema, { error: 'expected a list of { name, aliases? }' })
        .max(1, {
          error: 'expected at most one network: a container on several networks cannot be moved yet',
        })
        .optional(),
      restart: z
        .enum(RESTART_POLICIES, { error: `expected one of ${RESTART_POLICIES.join(', ')}` })
        .optional(),
      placement: placementSchema,
      migration: migrationPolicySchema.optional(),
      healthProbe: z
        .array(z.string(), { error: 'expected an argv array of strings' })
        .min(1, { error: 'expected at least the program' })
        .optional(),
      cutover: z
        .array(z.string(), { error: 'expected an argv array of strings' })
        .min(1, { error: 'expected at least the program' })
        .optional(),
    },
    { error: objectError('the inputs of ferry.Container (image, placement, ...)') },
  )
  .refine(
    (i) =>
      i.networks === undefined ||
      i.networkMode === undefined ||
      isUnknown(i.networkMode) ||
      i.networks.every((n) => isUnknown(n.name) || n.name === i.networkMode),
    {
      error: 'networkMode names another network than networks: leave networkMode out',
      path: ['networkMode'],
    },
  )
  .refine(
    (i) => {
      const ext = (i.ports ?? []).map((p) => `${p.external ?? p.internal}/${p.protocol ?? 'tcp'}`);
      return new Set(ext).size === ext.length;
    },
    { error: 'two ports publish the same host port and protocol', path: ['ports'] },
  );

/** The validated inputs of a `ferry.Container`. */
export type ContainerInputs = z.infer<typeof containerInputsSchema>;
/** Where a container should run. */
export type PlacementInput = z.infer<typeof placementSchema>;
/** A migration policy as given by the user. */
export type MigrationPolicyInput = z.infer<typeof migrationPolicySchema>;

/** Whether the value at `path` of `root`, or any value on the way to it, is unknown. */
export function unknownAlong(root: unknown, path: readonly PropertyKey[]): boolean {
  let cur: unknown = root;
  if (isUnknown(cur)) return true;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return false;
    cur = (cur as Record<PropertyKey, unknown>)[p];
    if (isUnknown(cur)) return true;
  }
  return false;
}

/** Whether `v` or anything inside it is unknown. */
export function containsUnknown(v: unknown): boolean {
  if (isUnknown(v)) return true;
  if (v === null || typeof v !== 'object') return false;
  return Object.values(v as Record<string, unknown>).some(containsUnknown);
}

/** The result of validating the inputs. */
export interface InputValidation {
  /** The parsed inputs when valid and fully known. */
  readonly inputs: ContainerInputs | undefined;
  /** One failure per bad field (empty when valid). */
  readonly failures: readonly FieldFailure[];
}

/**
 * Validates resource inputs against the schema and, when `clusters` is given, against the configured
 * clusters (unknown cluster, unknown host). Unknown values (preview) are not judged.
 * @param clusters - the configured topology, or a message saying why there is none.
 */
export function validateInputs(news: unknown, clusters: ClustersFile | string): InputValidation {
  const parsed = containerInputsSchema.safeParse(stripProvider(news));
  const failures: FieldFailure[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (unknownAlong(news, issue.path)) continue;
      failures.push({ property: dottedPath(issue.path) || 'inputs', reason: issue.message });
    }
  }
  const raw = (news ?? {}) as {
    placement?: { cluster?: unknown; host?: unknown };
    migration?: { strategy?: unknown };
  };
  const cluster = raw.placement?.cluster;
  const host = raw.placement?.host;
  if (typeof cluster === 'string' && !isUnknown(cluster) && cluster !== '') {
    if (typeof clusters === 'string') {
      failures.push({
        property: 'placement.cluster',
        reason: `cannot check cluster "${cluster}": ${clusters}`,
      });
    } else {
      const c = clusters.clusters.find((x) => x.name === cluster);
      if (c === undefined) {
        failures.push({
          property: 'placement.cluster',
          reason: `unknown cluster "${cluster}": expected one of ${clusters.clusters.map((x) => x.name).join(', ')} (from ferry:clusters)`,
        });
      } else if (
        typeof host === 'string' &&
        !isUnknown(host) &&
        host !== '' &&
        !c.hosts.some((h) => h.name === host)
      ) {
        failures.push({
          property: 'placement.host',
          reason: `unknown host "${host}" in cluster ${cluster}: expected one of ${c.hosts.map((h) => h.name).join(', ')}`,
        });
      }
    }
  }
  if (raw.migration?.strategy === 'post-copy') {
    failures.push({
      property: 'migration.strategy',
      reason:
        'post-copy is not supported by this release of the engine (no lazy-pages restore yet): expected auto, pre-copy or stop-and-copy',
    });
  }
  const complete = failures.length === 0 && parsed.success && !containsUnknown(news);
  return { inputs: complete ? parsed.data : undefined, failures };
}

/** The inputs without Pulumi's `__provider` property. */
export function stripProvider(v: unknown): unknown {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([k]) => k !== '__provider'));
}
