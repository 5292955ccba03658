/**
 * The relay's config file (pure): which addresses it listens on, where it forwards to, and each link's
 * delay, rate and cut state. Written by the test bed; read by the relay at start and on every reload.
 */

/** How a cut link fails (see `CutMode` in ../link-settings.ts). */
export type RelayCut = 'none' | 'reset' | 'blackhole';

/** One listener: connections to `listenAddress:port` are carried to `targetAddress:port`, dialled from `bindAddress`. */
export interface RelayRouteConfig {
  /** Id of the link it belongs to. */
  readonly link: string;
  /** Listening address. */
  readonly listenAddress: string;
  /** TCP port (listening and target). */
  readonly port: number;
  /** Address dialled. */
  readonly targetAddress: string;
  /** Local address of the outgoing connection. */
  readonly bindAddress: string;
}

/** Per-link settings the relay applies. */
export interface RelayLinkConfig {
  /** Delay added to each direction, milliseconds (half the RTT). */
  readonly oneWayDelayMs: number;
  /** The link's rate, bytes per second (HTB enforces it; the relay sizes its buffers from it). */
  readonly rateBytesPerSecond: number;
  /** Cut state. */
  readonly cut: RelayCut;
}

/** The whole relay config. */
export interface RelayConfig {
  /** Format version. */
  readonly version: 1;
  /** Unix socket for control requests (`reload`, `status`). */
  readonly controlSocket: string;
  /** Where the relay writes its pid. */
  readonly pidFile: string;
  /** Listeners. */
  readonly routes: readonly RelayRouteConfig[];
  /** Settings by link id. */
  readonly links: Readonly<Record<string, RelayLinkConfig>>;
}

/** A control request, one JSON line on the control socket. */
export type RelayRequest = { readonly op: 'reload' } | { readonly op: 'status' };

/** Counters of one link. */
export interface RelayLinkStatus {
  /** Open relayed connections. */
  readonly connections: number;
  /** Bytes carried since start, both directions together. */
  readonly bytes: number;
  /** The settings in force. */
  readonly settings: RelayLinkConfig;
}

/** The answer to a control request, one JSON line. */
export interface RelayResponse {
  /** True on success. */
  readonly ok: boolean;
  /** Error text when not ok. */
  readonly error?: string;
  /** The relay's pid. */
  readonly pid: number;
  /** Number of configs applied since start (1 after start). */
  readonly generation: number;
  /** Per link. */
  readonly links: Readonly<Record<string, RelayLinkStatus>>;
}

const CUTS: readonly string[] = ['none', 'reset', 'blackhole'];

/** Parses and checks a relay config file's text; throws `Error` naming the bad field. */
export function parseRelayConfig(text: string): RelayConfig {
  const v = JSON.parse(text) as Partial<RelayConfig>;
  const fail = (what: string): never => {
    throw new Error(`relay config: ${what}`);
  };
  if (v.version !== 1) fail('version must be 1');
  if (typeof v.controlSocket !== 'string' || typeof v.pidFile !== 'string') fail('controlSocket/pidFile');
  if (!Array.isArray(v.routes)) fail('routes must be an array');
  if (typeof v.links !== 'object' || v.links === null) fail('links must be an object');
  const links = v.links as Record<string, RelayLinkConfig>;
  for (const [id, l] of Object.entries(links)) {
    if (!(l.oneWayDelayMs >= 0) || !(l.rateBytesPerSecond > 0) || !CUTS.includes(l.cut)) fail(`link ${id}`);
  }
  for (const r of v.routes as RelayRouteConfig[]) {
    const okPort = Number.isInteger(r.port) && r.port > 0 && r.port < 65536;
    if (!okPort || !r.listenAddress || !r.targetAddress || !r.bindAddress) fail(`route ${JSON.stringify(r)}`);
    if (links[r.link] === undefined) fail(`route to unknown link ${r.link}`);
  }
  return v as RelayConfig;
}

/** Key of a listener: `address:port`. */
export const routeKey = (r: Pick<RelayRouteConfig, 'listenAddress' | 'port'>): string =>
  `${r.listenAddress}:${r.port}`;
