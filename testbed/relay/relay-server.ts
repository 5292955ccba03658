/**
 * The delaying TCP relay: one listener per route, one {@link Connection} per accepted client, link settings
 * applied live by {@link Relay.apply}. Runs inside the WAN namespace (see ./main.ts).
 */
import * as net from 'node:net';
import { Connection, type LinkRuntime } from './connection';
import { routeKey, type RelayConfig, type RelayLinkStatus, type RelayRouteConfig } from './relay-config';

interface Listener {
  readonly route: RelayRouteConfig;
  readonly server: net.Server;
}

/** The relay; see the module comment. */
export class Relay {
  private readonly links = new Map<string, LinkRuntime>();
  private readonly listeners = new Map<string, Listener>();
  private gen = 0;

  /** @param log - receives one line per event. */
  constructor(private readonly log: (line: string) => void) {}

  /** Configs applied so far. */
  get generation(): number {
    return this.gen;
  }

  /**
   * Applies a config: updates link settings (cutting, blackholing or healing live connections as asked),
   * opens missing listeners and closes unwanted ones.
   * @throws Error naming the listeners that could not be opened.
   */
  async apply(config: RelayConfig): Promise<void> {
    for (const [id, settings] of Object.entries(config.links)) {
      const link = this.links.get(id);
      if (link === undefined) {
        this.links.set(id, { settings, connections: new Set(), bytes: 0 });
        continue;
      }
      const before = link.settings.cut;
      link.settings = settings;
      for (const c of link.connections) c.setDelay(settings.oneWayDelayMs);
      if (settings.cut === 'reset') for (const c of [...link.connections]) c.abort('link cut');
      else if (settings.cut === 'blackhole') for (const c of link.connections) c.freeze();
      else if (before === 'blackhole') for (const c of link.connections) c.thaw();
      if (before !== settings.cut) this.log(`${id}: cut ${before} -> ${settings.cut}`);
    }
    for (const [id, link] of this.links) {
      if (config.links[id] !== undefined) continue;
      for (const c of [...link.connections]) c.abort('link removed');
      this.links.delete(id);
    }
    const wanted = new Map(config.routes.map((r) => [routeKey(r), r]));
    for (const [key, l] of this.listeners) {
      const w = wanted.get(key);
      if (w === undefined || JSON.stringify(w) !== JSON.stringify(l.route)) {
        l.server.close();
        this.listeners.delete(key);
      }
    }
    const failures: string[] = [];
    await Promise.all(
      [...wanted].map(async ([key, route]) => {
        if (this.listeners.has(key)) return;
        try {
          this.listeners.set(key, { route, server: await this.listen(route) });
        } catch (e) {
          failures.push(`${key}: ${(e as Error).message}`);
        }
      }),
    );
    this.gen++;
    const summary = Object.entries(config.links).map(
      ([id, s]) =>
        `${id} ${2 * s.oneWayDelayMs}ms ${((s.rateBytesPerSecond * 8) / 1e6).toFixed(1)}mbit ${s.cut}`,
    );
    this.log(`config ${this.gen} applied: ${this.listeners.size} listeners; ${summary.join('; ')}`);
    if (failures.length > 0) throw new Error(`could not listen on ${failures.join(', ')}`);
  }

  /** Counters and settings per link. */
  status(): Record<string, RelayLinkStatus> {
    const out: Record<string, RelayLinkStatus> = {};
    for (const [id, l] of this.links) {
      out[id] = { connections: l.connections.size, bytes: l.bytes, settings: l.settings };
    }
    return out;
  }

  /** Closes all listeners and resets all connections. */
  async close(): Promise<void> {
    for (const l of this.links.values()) for (const c of [...l.connections]) c.abort('relay stopping');
    await Promise.all(
      [...this.listeners.values()].map(
        (l) => new Promise<void>((resolve) => l.server.close(() => resolve())),
      ),
    );
    this.listeners.clear();
  }

  private listen(route: RelayRouteConfig): Promise<net.Server> {
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: false }, (client) =>
      this.accept(route, client),
    );
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: route.listenAddress, port: route.port, backlog: 128 }, () => {
        server.off('error', reject);
        server.on('error', (e) => this.log(`listener ${routeKey(route)}: ${e.message}`));
        resolve(server);
      });
    });
  }

  private accept(route: RelayRouteConfig, client: net.Socket): void {
    const link = this.links.get(route.link);
    if (link === undefined || link.settings.cut === 'reset') {
      client.on('error', () => undefined);
      client.resetAndDestroy();
      return;
    }
    this.log(
      `${route.link} ${client.remoteAddress ?? '?'}:${client.remotePort ?? '?'} -> ${route.targetAddress}:${route.port} opened`,
    );
    new Connection(client, route, link, this.log);
  }
}
