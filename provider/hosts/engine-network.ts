/**
 * Pure translation of the networking parts of Docker Engine API JSON: port bindings, a container's
 * user-defined networks, a network's inspect. Own minimal raw types: no dockerode import.
 */
import type { NetworkAttachment, NetworkInfo, PortBinding } from './container-runtime';
import type { RawInspect, RawNetwork } from './inspect-schema';

/**
 * `{"6379/tcp": [{HostIp, HostPort}]}` -> port bindings (entries without a host port are skipped; an empty,
 * `0.0.0.0` or `::` HostIp means every address, and the engine's IPv4 and IPv6 pair of it is one binding).
 */
export function portsOf(
  raw: Readonly<Record<string, readonly { HostIp?: string; HostPort?: string }[] | null>> | null | undefined,
): PortBinding[] | undefined {
  const out: PortBinding[] = [];
  for (const [key, binds] of Object.entries(raw ?? {})) {
    const m = /^(\d+)\/(tcp|udp)$/.exec(key);
    if (!m) continue;
    for (const b of binds ?? []) {
      const external = Number(b.HostPort);
      if (!Number.isInteger(external) || external <= 0) continue;
      const ip = b.HostIp && b.HostIp !== '0.0.0.0' && b.HostIp !== '::' ? b.HostIp : undefined;
      const base = { internal: Number(m[1]), external, protocol: m[2] as 'tcp' | 'udp' };
      const p: PortBinding = ip === undefined ? base : { ...base, ip };
      // the engine lists a port bound to every address twice (0.0.0.0 and ::): one binding
      if (
        !out.some(
          (q) =>
            q.internal === p.internal &&
            q.external === p.external &&
            q.protocol === p.protocol &&
            q.ip === p.ip,
        )
      )
        out.push(p);
    }
  }
  return out.length > 0 ? out : undefined;
}

/**
 * The user-defined networks of an inspect, with the aliases the user gave (the engine's own alias, the
 * container's short id or its host name, is dropped). The default networks (`bridge`, `host`, `none`) are not listed.
 */
export function networksOf(raw: RawInspect): NetworkAttachment[] | undefined {
  // the engine adds the container's short id, or (20.10) its host name, which a moved copy keeps
  const own = new Set([raw.Id.slice(0, 12), raw.Config?.Hostname ?? '']);
  const out = Object.entries(raw.NetworkSettings?.Networks ?? {})
    .filter(([name]) => !['bridge', 'host', 'none', 'default'].includes(name))
    .map(([name, e]) => ({ name, aliases: (e.Aliases ?? []).filter((a) => !own.has(a)) }));
  return out.length > 0 ? out : undefined;
}

/** Network inspect -> `NetworkInfo`. */
export function toNetworkInfo(raw: RawNetwork): NetworkInfo {
  return {
    name: raw.Name,
    driver: raw.Driver ?? 'bridge',
    scope: raw.Scope ?? 'local',
    options: raw.Options ?? {},
    labels: raw.Labels ?? {},
    internal: raw.Internal ?? false,
  };
}
