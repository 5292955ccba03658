/**
 * Where clients reach a service (pure): its published ports on the host that runs it. The output
 * `endpoints` changes after a move, so a downstream resource (a DNS record, a load balancer) follows it.
 */
import type { PortBinding } from '../../hosts/container-runtime';

/** Where a client reaches one published port of the service. */
export interface Endpoint {
  /** `tcp` or `udp`. */
  readonly protocol: 'tcp' | 'udp';
  /** Address of the host that runs the container (as Ferry reaches it), or the bound address. */
  readonly host: string;
  /** Port on that host. */
  readonly port: number;
}

/**
 * The endpoints of published ports `ports` on the host at `hostAddress`: one per port, at the port's bound
 * address when it has one, else at the host's address; sorted by port, then protocol.
 */
export function endpointsOf(hostAddress: string, ports: readonly PortBinding[]): Endpoint[] {
  const seen = new Map<string, Endpoint>();
  for (const p of ports) {
    const e: Endpoint = { protocol: p.protocol, host: p.ip ?? hostAddress, port: p.external };
    seen.set(`${e.host}|${e.port}|${e.protocol}`, e);
  }
  return [...seen.values()].sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol));
}
