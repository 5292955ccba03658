/**
 * How a migration treats every field of a container's inspect (pure data and pure functions). Each field of
 * `Config`, `HostConfig` and `NetworkSettings` is one of:
 * - `typed`: carried through a named field of `ContainerSpec` (the engine reads or changes it);
 * - `copied`: copied as is into the target's create request;
 * - `refused`: a migration is refused in preflight when it is set (not its default), saying why;
 * - `target`: set anew by the target's engine (addresses, sandboxes): nothing to carry.
 * A field the table does not know (an engine newer than this table) is refused when it is set, so that
 * nothing is dropped silently. docs/container-fields.md is this table ({@link fieldsTableMarkdown}).
 */
import type { InspectSection, RawInspect } from './inspect-schema';

/** How one field is treated. */
export type FieldTreatment =
  | { readonly kind: 'typed'; readonly as: string }
  | { readonly kind: 'copied'; readonly note?: string }
  | { readonly kind: 'refused'; readonly why: string; readonly allowed?: readonly string[] }
  | { readonly kind: 'target'; readonly why: string };

const typed = (as: string): FieldTreatment => ({ kind: 'typed', as });
const copied = (note?: string): FieldTreatment => (note ? { kind: 'copied', note } : { kind: 'copied' });
const refused = (why: string, allowed?: readonly string[]): FieldTreatment =>
  allowed ? { kind: 'refused', why, allowed } : { kind: 'refused', why };
const target = (why: string): FieldTreatment => ({ kind: 'target', why });
const THIS_HOST = 'names something of the source host only';
const ADDRESSES = "assigned by the target's engine";

/** The treatment of every field, by section. */
export const INSPECT_FIELDS: Readonly<Record<InspectSection, Readonly<Record<string, FieldTreatment>>>> = {
  Config: {
    Hostname: typed('hostname'),
    Domainname: copied(),
    User: typed('user'),
    AttachStdin: copied(),
    AttachStdout: copied(),
    AttachStderr: copied(),
    ExposedPorts: copied(),
    Tty: typed('tty'),
    OpenStdin: typed('openStdin'),
    StdinOnce: copied(),
    Env: typed('env'),
    Cmd: typed('cmd'),
    Healthcheck: copied(),
    ArgsEscaped: copied(),
    Image: typed('image'),
    Volumes: copied('anonymous volumes are created empty on the target; their content is not moved yet'),
    WorkingDir: typed('workingDir'),
    Entrypoint: typed('entrypoint'),
    NetworkDisabled: copied(),
    MacAddress: copied(),
    OnBuild: copied(),
    Labels: typed('labels (with the migration label added)'),
    StopSignal: typed('stopSignal'),
    StopTimeout: copied(),
    Shell: copied(),
  },
  HostConfig: {
    CpuShares: typed('hostConfig.cpuShares'),
    Memory: typed('hostConfig.memory'),
    NanoCpus: typed('hostConfig.nanoCpus'),
    CgroupParent: copied('the cgroup parent must exist on the target'),
    BlkioWeight: copied(),
    BlkioWeightDevice: refused(`${THIS_HOST} (block devices)`),
    BlkioDeviceReadBps: refused(`${THIS_HOST} (block devices)`),
    BlkioDeviceWriteBps: refused(`${THIS_HOST} (block devices)`),
    BlkioDeviceReadIOps: refused(`${THIS_HOST} (block devices)`),
    BlkioDeviceWriteIOps: refused(`${THIS_HOST} (block devices)`),
    CpuPeriod: copied(),
    CpuQuota: copied(),
    CpuRealtimePeriod: copied(),
    CpuRealtimeRuntime: copied(),
    CpusetCpus: copied('the CPUs must exist on the target'),
    CpusetMems: copied('the memory nodes must exist on the target'),
    Devices: refused(`${THIS_HOST} (device nodes), and CRIU does not restore them`),
    DeviceCgroupRules: refused(`${THIS_HOST} (device access)`),
    DeviceRequests: refused(`${THIS_HOST} (GPUs and other devices)`),
    KernelMemory: copied(),
    KernelMemoryTCP: copied(),
    MemoryReservation: copied(),
    MemorySwap: copied(),
    MemorySwappiness: copied(),
    OomKillDisable: copied(),
    Init: typed('hostConfig.init'),
    PidsLimit: copied(),
    Ulimits: copied(),
    CpuCount: refused('Windows only'),
    CpuPercent: refused('Windows only'),
    IOMaximumIOps: refused('Windows only'),
    IOMaximumBandwidth: refused('Windows only'),
    Binds: typed('hostConfig.binds (the host paths must exist on the target)'),
    ContainerIDFile: refused(`${THIS_HOST} (a file on it)`),
    LogConfig: copied('the log driver must exist on the target'),
    NetworkMode: typed('hostConfig.networkMode (host and container:<id> are refused)'),
    PortBindings: typed('hostConfig.ports (the same host ports on the target, checked free)'),
    RestartPolicy: typed('hostConfig.restartPolicy (fenced to no during the switchover)'),
    AutoRemove: refused(
      'the final checkpoint stops the container, and the engine would remove it with its state',
    ),
    VolumeDriver: refused('volumes of other drivers than local cannot be moved yet'),
    VolumesFrom: refused(`${THIS_HOST} (other containers)`),
    Mounts: copied('bind sources must exist on the target; named volumes are created empty there'),
    ConsoleSize: target('set by whoever attaches'),
    Annotations: copied(),
    CapAdd: copied(),
    CapDrop: copied(),
    CgroupnsMode: copied('host is the engine default on cgroup v1 hosts (as on the bed)'),
    Dns: copied(),
    DnsOptions: copied(),
    DnsSearch: copied(),
    ExtraHosts: copied(),
    GroupAdd: copied(),
    IpcMode: refused(`${THIS_HOST} (its IPC namespace, or another container's)`, [
      'private',
      'shareable',
      'none',
    ]),
    Cgroup: refused(`${THIS_HOST} (another container's cgroup)`),
    Links: refused(`${THIS_HOST} (other containers; use a user-defined network)`),
    OomScoreAdj: copied(),
    PidMode: refused(`${THIS_HOST} (its PID namespace, or another container's)`),
    Privileged: refused('a privileged container holds the host devices, which CRIU does not restore'),
    PublishAllPorts: refused('random host ports differ on every host: publish explicit ports'),
    ReadonlyRootfs: copied(),
    SecurityOpt: typed('hostConfig.securityOpt'),
    StorageOpt: refused('storage options of the source storage driver'),
    Tmpfs: typed('hostConfig.tmpfs (its content moves with the memory)'),
    UTSMode: refused(`${THIS_HOST} (its UTS namespace)`),
    UsernsMode: refused(`${THIS_HOST} (its user namespace)`),
    ShmSize: copied(),
    Sysctls: copied(),
    Runtime: refused('only runc can checkpoint and restore with CRIU', ['runc']),
    Isolation: refused('Windows only', ['default']),
    MaskedPaths: copied(),
    ReadonlyPaths: copied(),
  },
  NetworkSettings: {
    Bridge: target(ADDRESSES),
    SandboxID: target(ADDRESSES),
    HairpinMode: target(ADDRESSES),
    LinkLocalIPv6Address: target(ADDRESSES),
    LinkLocalIPv6PrefixLen: target(ADDRESSES),
    Ports: target('published from HostConfig.PortBindings by the target engine'),
    SandboxKey: target(ADDRESSES),
    SecondaryIPAddresses: target(ADDRESSES),
    SecondaryIPv6Addresses: target(ADDRESSES),
    EndpointID: target(ADDRESSES),
    Gateway: target(ADDRESSES),
    GlobalIPv6Address: target(ADDRESSES),
    GlobalIPv6PrefixLen: target(ADDRESSES),
    IPAddress: target(ADDRESSES),
    IPPrefixLen: target(ADDRESSES),
    IPv6Gateway: target(ADDRESSES),
    MacAddress: target(ADDRESSES),
    Networks: typed('networks: each network by name with its aliases (a static address is refused)'),
  },
};

/** Whether `v` is a field's "not set" value: absent, null, empty, zero or false. */
export function isUnset(v: unknown): boolean {
  if (v === undefined || v === null || v === '' || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v).length === 0;
  return false;
}

/** A field that stops a migration, with the value seen and why. */
export interface CarryProblem {
  /** `Section.Field`, e.g. `HostConfig.Privileged`. */
  readonly field: string;
  /** The value, as JSON (cut to 80 characters). */
  readonly value: string;
  /** Why it cannot be carried. */
  readonly why: string;
}

function sectionOf(raw: RawInspect, s: InspectSection): Readonly<Record<string, unknown>> {
  return raw[s] ?? {};
}

/**
 * The fields of `raw` that stop a migration (pure): `refused` fields that are set (and not allowed), and set
 * fields the table does not know.
 */
export function carryProblems(raw: RawInspect): CarryProblem[] {
  const out: CarryProblem[] = [];
  for (const section of Object.keys(INSPECT_FIELDS) as InspectSection[]) {
    for (const [name, v] of Object.entries(sectionOf(raw, section))) {
      const t = INSPECT_FIELDS[section][name];
      const value = (JSON.stringify(v) ?? 'undefined').slice(0, 80);
      const field = `${section}.${name}`;
      if (t === undefined) {
        if (!isUnset(v))
          out.push({
            field,
            value,
            why: 'not known to Ferry (an engine newer than its field table): not carried',
          });
      } else if (t.kind === 'refused' && !isUnset(v) && !(t.allowed ?? []).some((a) => a === v)) {
        out.push({ field, value, why: t.why });
      }
    }
  }
  return out;
}

/**
 * The `copied` fields of `raw` that are set (pure): what goes as is into the target's create request, by
 * section of the create body (`Config` fields at its top level, `HostConfig` inside it).
 */
export function copiedFields(raw: RawInspect): {
  readonly config: Readonly<Record<string, unknown>>;
  readonly hostConfig: Readonly<Record<string, unknown>>;
} {
  const pick = (s: 'Config' | 'HostConfig'): Record<string, unknown> =>
    Object.fromEntries(
      Object.entries(sectionOf(raw, s)).filter(
        ([k, v]) => INSPECT_FIELDS[s][k]?.kind === 'copied' && v !== undefined && v !== null,
      ),
    );
  return { config: pick('Config'), hostConfig: pick('HostConfig') };
}

/** The line of docs/container-fields.md after which the generated table starts (and a blank line). */
export const FIELDS_DOC_MARK = '<!-- generated from fieldsTableMarkdown(); do not edit below by hand -->\n\n';

/** The table as Markdown, one row per field (docs/container-fields.md holds its output; a test keeps them equal). */
export function fieldsTableMarkdown(): string {
  const rows = ['| field | treatment | details |', '| ----- | --------- | ------- |'];
  for (const section of Object.keys(INSPECT_FIELDS) as InspectSection[])
    for (const [name, t] of Object.entries(INSPECT_FIELDS[section])) {
      const details = t.kind === 'typed' ? `as \`${t.as}\`` : t.kind === 'copied' ? (t.note ?? '') : t.why;
      const kind =
        t.kind !== 'refused'
          ? t.kind
          : t.allowed
            ? `refused unless ${t.allowed.map((a) => `\`${a}\``).join(', ')}`
            : 'refused when set';
      rows.push(`| \`${section}.${name}\` | ${kind} | ${details.replace(/\|/g, '\\|')} |`);
    }
  return `${rows.join('\n')}\n`;
}
