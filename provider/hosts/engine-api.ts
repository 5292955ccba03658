/**
 * Pure translation between Docker Engine API JSON (the few fields Ferry reads and writes) and the plain
 * types of `container-runtime.ts`. Own minimal raw types: no dockerode import.
 */
import { bytes } from '../units';
import type {
  ContainerInfo,
  ContainerMount,
  ContainerSpec,
  ContainerState,
  ContainerSummary,
  EngineVersion,
  FsChange,
  PortBinding,
} from './container-runtime';
import { carryProblems, copiedFields } from './inspect-fields';
import { networksOf, portsOf } from './engine-network';
import type { RawInspect } from './inspect-schema';

export { networksOf, portsOf, toNetworkInfo } from './engine-network';

/** `GET /version` (fields Ferry reads). */
export interface RawVersion {
  Version?: string;
  ApiVersion?: string;
  Experimental?: boolean | string;
  Os?: string;
  Arch?: string;
  KernelVersion?: string;
}

export type { RawInspect } from './inspect-schema';

/** `GET /containers/json` entry (fields Ferry reads). */
export interface RawSummary {
  Id: string;
  Names?: string[];
  Image?: string;
  State?: string;
  Labels?: Record<string, string> | null;
}

/** `POST /containers/create` body (what Ferry sets). */
export interface RawCreateBody {
  Image: string;
  Cmd?: string[];
  Entrypoint?: string[];
  Env?: string[];
  Labels?: Record<string, string>;
  WorkingDir?: string;
  User?: string;
  Hostname?: string;
  Tty?: boolean;
  OpenStdin?: boolean;
  StopSignal?: string;
  ExposedPorts?: Record<string, object>;
  HostConfig: Record<string, unknown>;
  NetworkingConfig?: { EndpointsConfig: Record<string, { Aliases?: string[] }> };
  [copied: string]: unknown;
}

const STATES: readonly ContainerState[] = [
  'created',
  'running',
  'paused',
  'restarting',
  'removing',
  'exited',
  'dead',
];

/** Maps an engine state string; unknown values become `dead` (treated as unusable). */
export function toState(s: string | undefined): ContainerState {
  return STATES.find((x) => x === s) ?? 'dead';
}

/** `/version` -> `EngineVersion`. `Experimental` is a boolean in 20.10+ and a string in some components. */
export function toEngineVersion(raw: RawVersion): EngineVersion {
  return {
    version: raw.Version ?? '',
    apiVersion: raw.ApiVersion ?? '',
    experimental: raw.Experimental === true || raw.Experimental === 'true',
    os: raw.Os ?? '',
    arch: raw.Arch ?? '',
    kernelVersion: raw.KernelVersion ?? '',
  };
}

/** Inspect JSON -> `ContainerInfo` (including the spec to recreate it). */
export function toContainerInfo(raw: RawInspect): ContainerInfo {
  const c: NonNullable<RawInspect['Config']> = raw.Config ?? {};
  const h: NonNullable<RawInspect['HostConfig']> = raw.HostConfig ?? {};
  const entrypoint = typeof c.Entrypoint === 'string' ? [c.Entrypoint] : (c.Entrypoint ?? undefined);
  const spec: ContainerSpec = prune({
    name: stripSlash(raw.Name),
    image: c.Image ?? raw.Image ?? '',
    cmd: c.Cmd ?? undefined,
    entrypoint,
    env: c.Env ?? undefined,
    labels: c.Labels ?? undefined,
    workingDir: c.WorkingDir || undefined,
    user: c.User || undefined,
    hostname: c.Hostname || undefined,
    tty: c.Tty || undefined,
    openStdin: c.OpenStdin || undefined,
    stopSignal: c.StopSignal || undefined,
    networks: networksOf(raw),
    copied: nonEmpty(copiedFields(raw)),
    hostConfig: prune({
      memory: h.Memory ? bytes(h.Memory) : undefined,
      nanoCpus: h.NanoCpus || undefined,
      cpuShares: h.CpuShares || undefined,
      networkMode: h.NetworkMode || undefined,
      restartPolicy: restartPolicyText(h.RestartPolicy),
      binds: h.Binds ?? undefined,
      tmpfs: h.Tmpfs ?? undefined,
      securityOpt: h.SecurityOpt ?? undefined,
      init: h.Init ?? undefined,
      ports: portsOf(h.PortBindings),
    }),
  });
  return {
    id: raw.Id,
    name: stripSlash(raw.Name),
    image: c.Image ?? '',
    imageId: raw.Image ?? '',
    state: toState(raw.State?.Status),
    pid: raw.State?.Pid ?? 0,
    exitCode: raw.State?.ExitCode ?? 0,
    created: raw.Created ?? '',
    startedAt: raw.State?.StartedAt ?? '',
    labels: c.Labels ?? {},
    mounts: (raw.Mounts ?? []).map((m): ContainerMount => ({
      type: m.Type ?? '',
      source: (m.Type === 'volume' ? m.Name : m.Source) ?? '',
      target: m.Destination ?? '',
      readOnly: m.RW === false,
    })),
    graphDriver: { name: raw.GraphDriver?.Name ?? '', data: raw.GraphDriver?.Data ?? {} },
    spec,
    carryProblems: carryProblems(raw),
    publishedPorts: portsOf(raw.NetworkSettings?.Ports) ?? [],
  };
}

/** `ContainerSpec` -> create body (the name goes in the query string, not here). */
export function toCreateBody(spec: ContainerSpec): RawCreateBody {
  const h = spec.hostConfig ?? {};
  const ports = h.ports ?? [];
  const key = (p: PortBinding): string => `${p.internal}/${p.protocol}`;
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of ports) (bindings[key(p)] ??= []).push({ HostIp: p.ip ?? '', HostPort: String(p.external) });
  const exposed = {
    ...((spec.copied?.config.ExposedPorts as Record<string, object> | undefined) ?? {}),
    ...Object.fromEntries(ports.map((p) => [key(p), {}])),
  };
  const net = spec.networks?.[0];
  return prune({
    ...(spec.copied?.config ?? {}),
    Image: spec.image,
    Cmd: spec.cmd ? [...spec.cmd] : undefined,
    Entrypoint: spec.entrypoint ? [...spec.entrypoint] : undefined,
    Env: spec.env ? [...spec.env] : undefined,
    Labels: spec.labels ? { ...spec.labels } : undefined,
    WorkingDir: spec.workingDir,
    User: spec.user,
    Hostname: spec.hostname,
    Tty: spec.tty,
    OpenStdin: spec.openStdin,
    StopSignal: spec.stopSignal,
    ExposedPorts: Object.keys(exposed).length > 0 ? exposed : undefined,
    NetworkingConfig: net ? { EndpointsConfig: { [net.name]: { Aliases: [...net.aliases] } } } : undefined,
    HostConfig: prune({
      ...(spec.copied?.hostConfig ?? {}),
      Memory: h.memory,
      NanoCpus: h.nanoCpus,
      CpuShares: h.cpuShares,
      NetworkMode: h.networkMode,
      RestartPolicy: h.restartPolicy ? restartPolicyBody(h.restartPolicy) : undefined,
      Binds: h.binds ? [...h.binds] : undefined,
      Tmpfs: h.tmpfs ? { ...h.tmpfs } : undefined,
      SecurityOpt: h.securityOpt ? [...h.securityOpt] : undefined,
      Init: h.init,
      PortBindings: ports.length > 0 ? bindings : undefined,
    }),
  });
}

/**
 * A restart policy as Ferry writes it, `docker run --restart` style: `no`, `always`, `unless-stopped`,
 * `on-failure` or `on-failure:N` (N retries). `undefined` for none.
 */
export function restartPolicyText(
  raw: { readonly Name?: string; readonly MaximumRetryCount?: number } | undefined,
): string | undefined {
  const name = raw?.Name;
  if (name === undefined || name === '') return undefined;
  const n = raw?.MaximumRetryCount ?? 0;
  return name === 'on-failure' && n > 0 ? `on-failure:${n}` : name;
}

/** The Engine API body of a restart policy written as {@link restartPolicyText} gives it. */
export function restartPolicyBody(policy: string): { Name: string; MaximumRetryCount?: number } {
  const m = /^on-failure:(\d+)$/.exec(policy);
  return m ? { Name: 'on-failure', MaximumRetryCount: Number(m[1]) } : { Name: policy };
}

/** List entry -> `ContainerSummary`. */
export function toSummary(raw: RawSummary): ContainerSummary {
  return {
    id: raw.Id,
    name: stripSlash(raw.Names?.[0]),
    image: raw.Image ?? '',
    state: toState(raw.State),
    labels: raw.Labels ?? {},
  };
}

/**
 * `/changes` entries (Kind 0 modified, 1 added, 2 deleted). The engine answers `null` when nothing changed,
 * which docker-modem may hand over unparsed (a Buffer or string `"null"`): all of these mean no changes.
 */
export function toFsChanges(raw: unknown): FsChange[] {
  const kinds = ['changed', 'added', 'deleted'] as const;
  const parsed: unknown =
    Buffer.isBuffer(raw) || typeof raw === 'string' ? JSON.parse(raw.toString() || 'null') : raw;
  if (!Array.isArray(parsed)) return [];
  return parsed
    .filter((c): c is { Path: string; Kind: number } => typeof (c as { Path?: unknown })?.Path === 'string')
    .map((c) => ({ path: c.Path, kind: kinds[c.Kind] ?? 'changed' }));
}

/** The `filters` query value selecting containers with all `labels` (`undefined` value: label present). */
export function labelFilters(labels: Readonly<Record<string, string | undefined>> = {}): string {
  const label = Object.entries(labels).map(([k, v]) => (v === undefined ? k : `${k}=${v}`));
  return JSON.stringify(label.length > 0 ? { label } : {});
}

/** Image references/ids from the JSON-lines output of `POST /images/load` ("Loaded image: x"). */
export function parseLoadOutput(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let msg: { stream?: string; error?: string };
    try {
      msg = JSON.parse(line) as { stream?: string; error?: string };
    } catch {
      continue;
    }
    if (msg.error) throw new Error(msg.error);
    const m = /Loaded image(?: ID)?: (\S+)/.exec(msg.stream ?? '');
    if (m) out.push(m[1]!);
  }
  return out;
}

/** The parent directory of an absolute container path (`/a/b` -> `/a`, `/a` -> `/`). */
export function parentDir(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  const i = trimmed.lastIndexOf('/');
  return i <= 0 ? '/' : trimmed.slice(0, i);
}

function stripSlash(name: string | undefined): string {
  return (name ?? '').replace(/^\//, '');
}

function nonEmpty<T extends { config: object; hostConfig: object }>(c: T): T | undefined {
  return Object.keys(c.config).length + Object.keys(c.hostConfig).length > 0 ? c : undefined;
}

/** Drops `undefined` members so that bodies and specs stay minimal and comparable. */
function prune<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
