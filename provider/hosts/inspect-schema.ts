/**
 * The Docker Engine's container inspect (`GET /containers/{id}/json`, API 1.41 to 1.45), as one zod
 * schema: every field of `Config`, `HostConfig` and `NetworkSettings` that those engines send, named here
 * (read ones typed, the others `unknown`), and kept loose so that a field an engine sends beyond these
 * survives parsing: `inspect-fields.ts` says how each is treated and refuses unknown ones that are set.
 * Parsed once, in the adapter; no dockerode types.
 */
import { z } from 'zod';

const strings = z.array(z.string()).nullish();
const stringMap = z.record(z.string(), z.string()).nullish();
const any = z.unknown().optional();

/** `Config` of an inspect (the container's own settings, image defaults merged in by the engine). */
export const inspectConfigSchema = z.looseObject({
  Hostname: z.string().optional(),
  Domainname: any,
  User: z.string().optional(),
  AttachStdin: any,
  AttachStdout: any,
  AttachStderr: any,
  ExposedPorts: z.record(z.string(), z.unknown()).nullish(),
  Tty: z.boolean().optional(),
  OpenStdin: z.boolean().optional(),
  StdinOnce: any,
  Env: strings,
  Cmd: strings,
  Healthcheck: any,
  ArgsEscaped: any,
  Image: z.string().optional(),
  Volumes: any,
  WorkingDir: z.string().optional(),
  Entrypoint: z.union([z.array(z.string()), z.string()]).nullish(),
  NetworkDisabled: any,
  MacAddress: any,
  OnBuild: any,
  Labels: stringMap,
  StopSignal: z.string().optional(),
  StopTimeout: z.number().nullish(),
  Shell: any,
});

/** One `PortBindings` entry: where a container port is published on the host. */
export const portBindingSchema = z.object({ HostIp: z.string().optional(), HostPort: z.string().optional() });

/** `HostConfig` of an inspect (how the engine runs the container on this host). */
export const inspectHostConfigSchema = z.looseObject({
  // resources (the engine's `Resources`, flattened into HostConfig)
  CpuShares: z.number().optional(),
  Memory: z.number().optional(),
  NanoCpus: z.number().optional(),
  CgroupParent: any,
  BlkioWeight: any,
  BlkioWeightDevice: any,
  BlkioDeviceReadBps: any,
  BlkioDeviceWriteBps: any,
  BlkioDeviceReadIOps: any,
  BlkioDeviceWriteIOps: any,
  CpuPeriod: any,
  CpuQuota: any,
  CpuRealtimePeriod: any,
  CpuRealtimeRuntime: any,
  CpusetCpus: any,
  CpusetMems: any,
  Devices: any,
  DeviceCgroupRules: any,
  DeviceRequests: any,
  KernelMemory: any,
  KernelMemoryTCP: any,
  MemoryReservation: any,
  MemorySwap: any,
  MemorySwappiness: any,
  OomKillDisable: any,
  Init: z.boolean().nullish(),
  PidsLimit: any,
  Ulimits: any,
  CpuCount: any,
  CpuPercent: any,
  IOMaximumIOps: any,
  IOMaximumBandwidth: any,
  // the rest of HostConfig
  Binds: strings,
  ContainerIDFile: any,
  LogConfig: any,
  NetworkMode: z.string().optional(),
  PortBindings: z.record(z.string(), z.array(portBindingSchema).nullable()).nullish(),
  RestartPolicy: z
    .object({ Name: z.string().optional(), MaximumRetryCount: z.number().optional() })
    .optional(),
  AutoRemove: any,
  VolumeDriver: any,
  VolumesFrom: any,
  Mounts: any,
  ConsoleSize: any,
  Annotations: any,
  CapAdd: any,
  CapDrop: any,
  CgroupnsMode: any,
  Dns: any,
  DnsOptions: any,
  DnsSearch: any,
  ExtraHosts: any,
  GroupAdd: any,
  IpcMode: any,
  Cgroup: any,
  Links: any,
  OomScoreAdj: any,
  PidMode: any,
  Privileged: any,
  PublishAllPorts: any,
  ReadonlyRootfs: any,
  SecurityOpt: strings,
  StorageOpt: any,
  Tmpfs: stringMap,
  UTSMode: any,
  UsernsMode: any,
  ShmSize: any,
  Sysctls: any,
  Runtime: any,
  Isolation: any,
  MaskedPaths: any,
  ReadonlyPaths: any,
});

/** One network the container is attached to (`NetworkSettings.Networks.<name>`). */
export const endpointSchema = z.looseObject({
  IPAMConfig: z.record(z.string(), z.unknown()).nullish(),
  Aliases: strings,
  NetworkID: z.string().optional(),
  IPAddress: z.string().optional(),
});

/** `NetworkSettings` of an inspect (what the engine set up on this host). */
export const inspectNetworkSettingsSchema = z.looseObject({
  Bridge: any,
  SandboxID: any,
  HairpinMode: any,
  LinkLocalIPv6Address: any,
  LinkLocalIPv6PrefixLen: any,
  Ports: z.record(z.string(), z.array(portBindingSchema).nullable()).nullish(),
  SandboxKey: any,
  SecondaryIPAddresses: any,
  SecondaryIPv6Addresses: any,
  EndpointID: any,
  Gateway: any,
  GlobalIPv6Address: any,
  GlobalIPv6PrefixLen: any,
  IPAddress: z.string().optional(),
  IPPrefixLen: any,
  IPv6Gateway: any,
  MacAddress: any,
  Networks: z.record(z.string(), endpointSchema).nullish(),
});

/** The whole inspect (top-level fields Ferry reads; the rest is kept). */
export const inspectSchema = z.looseObject({
  Id: z.string(),
  Name: z.string().optional(),
  Image: z.string().optional(),
  Created: z.string().optional(),
  State: z
    .looseObject({
      Status: z.string().optional(),
      Pid: z.number().optional(),
      ExitCode: z.number().optional(),
      StartedAt: z.string().optional(),
    })
    .optional(),
  Config: inspectConfigSchema.nullish(),
  HostConfig: inspectHostConfigSchema.nullish(),
  NetworkSettings: inspectNetworkSettingsSchema.nullish(),
  Mounts: z
    .array(
      z.looseObject({
        Type: z.string().optional(),
        Source: z.string().optional(),
        Name: z.string().optional(),
        Destination: z.string().optional(),
        RW: z.boolean().optional(),
      }),
    )
    .nullish(),
  GraphDriver: z.looseObject({ Name: z.string().optional(), Data: stringMap }).nullish(),
});

/** A parsed inspect. */
export type RawInspect = z.infer<typeof inspectSchema>;

/** The three sections whose every field `inspect-fields.ts` treats. */
export const INSPECT_SECTIONS = {
  Config: inspectConfigSchema,
  HostConfig: inspectHostConfigSchema,
  NetworkSettings: inspectNetworkSettingsSchema,
} as const;

/** A section name. */
export type InspectSection = keyof typeof INSPECT_SECTIONS;

/** `GET /networks/{name}` (fields Ferry reads; the rest is kept). */
export const networkSchema = z.looseObject({
  Name: z.string(),
  Driver: z.string().optional(),
  Scope: z.string().optional(),
  Internal: z.boolean().optional(),
  Options: stringMap,
  Labels: stringMap,
});

/** A parsed network inspect. */
export type RawNetwork = z.infer<typeof networkSchema>;
