/**
 * One relayed TCP connection: client <-> relay <-> target, each direction through its own delay line.
 *
 * Timing follows real TCP as seen from the server: the relay dials the target 1.5 RTT after accepting the
 * client (SYN, SYN-ACK, ACK), so a server that speaks first (sshd's banner) reaches the client 2 RTT after
 * connect, and data the client sends at once reaches the server 1.5 RTT after connect. Only the client's
 * local `connect()` completes at once instead of after 1 RTT.
 */
import type * as net from 'node:net';
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { DelayLine, highWaterBytes } from './delay-line';
import type { RelayLinkConfig, RelayRouteConfig } from './relay-config';

/** A chunk may leave this many milliseconds before its release time (timers fire with 1 ms granularity). */
export const RELEASE_SLACK_MS = 0.5;

/** Mutable state of one link shared by its connections. */
export interface LinkRuntime {
  /** Settings in force. */
  settings: RelayLinkConfig;
  /** Open connections. */
  readonly connections: Set<Connection>;
  /** Bytes carried since start, both directions. */
  bytes: number;
}

interface Direction {
  readonly line: DelayLine;
  src: net.Socket | undefined;
  dst: net.Socket | undefined;
  timer: NodeJS.Timeout | undefined;
  backpressured: boolean;
  waitingDrain: boolean;
}

const now = (): number => performance.now();

/** A relayed connection; see the module comment. */
export class Connection {
  private readonly up: Direction;
  private readonly down: Direction;
  private server: net.Socket | undefined;
  private serverReady = false;
  private serverClosed = false;
  private clientClosed = false;
  private connectTimer: NodeJS.Timeout | undefined;
  private needConnect = false;
  private frozen: boolean;
  private done = false;
  private readonly label: string;

  constructor(
    private readonly client: net.Socket,
    private readonly route: RelayRouteConfig,
    private readonly link: LinkRuntime,
    private readonly log: (line: string) => void,
  ) {
    const delay = link.settings.oneWayDelayMs;
    this.label = `${client.remoteAddress ?? '?'}:${client.remotePort ?? '?'}`;
    this.up = { line: new DelayLine(delay), src: client, dst: undefined, timer: undefined, backpressured: false, waitingDrain: false }; // prettier-ignore
    this.down = { line: new DelayLine(delay), src: undefined, dst: client, timer: undefined, backpressured: false, waitingDrain: false }; // prettier-ignore
    link.connections.add(this);
    client.setNoDelay(true);
    client.on('data', (d: Buffer) => this.onData(this.up, d));
    client.on('end', () => this.onEnd(this.up));
    client.on('error', (e) => this.abort(`client: ${e.message}`));
    client.on('close', (hadError) => {
      this.clientClosed = true;
      if (hadError) this.abort('client closed with error');
      else this.maybeDone();
    });
    this.frozen = link.settings.cut === 'blackhole';
    if (this.frozen) {
      client.pause();
      this.needConnect = true;
    } else {
      this.connectTimer = setTimeout(() => this.connect(), 3 * delay);
    }
  }

  /** Applies a new one-way delay to data arriving from now on. */
  setDelay(ms: number): void {
    this.up.line.setDelay(ms);
    this.down.line.setDelay(ms);
  }

  /** Stops all forwarding (blackhole): data waits in the relay and in the kernel's buffers. */
  freeze(): void {
    if (this.frozen || this.done) return;
    this.frozen = true;
    for (const d of [this.up, this.down]) {
      if (d.timer) clearTimeout(d.timer);
      d.timer = undefined;
      d.src?.pause();
    }
    if (this.connectTimer) {
      clearTimeout(this.connectTimer);
      this.connectTimer = undefined;
      this.needConnect = true;
    }
  }

  /** Resumes forwarding after {@link freeze}; overdue data leaves at once. */
  thaw(): void {
    if (!this.frozen || this.done) return;
    this.frozen = false;
    for (const d of [this.up, this.down]) if (!d.backpressured) d.src?.resume();
    if (this.needConnect) {
      this.needConnect = false;
      this.connect();
    }
    this.schedule(this.up);
    this.schedule(this.down);
  }

  /** Resets both ends (RST) and forgets the connection. */
  abort(reason: string): void {
    if (this.done) return;
    this.done = true;
    if (this.connectTimer) clearTimeout(this.connectTimer);
    for (const d of [this.up, this.down]) {
      if (d.timer) clearTimeout(d.timer);
      d.line.clear();
    }
    for (const s of [this.client, this.server]) if (s && !s.destroyed) s.resetAndDestroy();
    this.link.connections.delete(this);
    this.log(`${this.route.link} ${this.describe()} reset: ${reason}`);
  }

  private describe(): string {
    return `${this.label} -> ${this.route.targetAddress}:${this.route.port}`;
  }

  private connect(): void {
    this.connectTimer = undefined;
    if (this.done) return;
    if (this.frozen) {
      this.needConnect = true;
      return;
    }
    const s = connect({
      host: this.route.targetAddress,
      port: this.route.port,
      localAddress: this.route.bindAddress,
      allowHalfOpen: true,
    });
    this.server = s;
    this.up.dst = s;
    this.down.src = s;
    s.setNoDelay(true);
    s.on('connect', () => {
      this.serverReady = true;
      this.schedule(this.up);
    });
    s.on('data', (d: Buffer) => this.onData(this.down, d));
    s.on('end', () => this.onEnd(this.down));
    s.on('error', (e) => this.abort(`target: ${e.message}`));
    s.on('close', (hadError) => {
      this.serverClosed = true;
      if (hadError) this.abort('target closed with error');
      else this.maybeDone();
    });
  }

  private highWater(): number {
    return highWaterBytes(this.link.settings.rateBytesPerSecond, this.link.settings.oneWayDelayMs);
  }

  private onData(d: Direction, chunk: Buffer): void {
    this.link.bytes += chunk.length;
    d.line.push(chunk, now());
    if (!d.backpressured && d.line.queuedBytes > this.highWater()) {
      d.backpressured = true;
      d.src?.pause();
    }
    this.schedule(d);
  }

  private onEnd(d: Direction): void {
    d.line.push(null, now());
    this.schedule(d);
  }

  private schedule(d: Direction): void {
    if (this.done || this.frozen || d.waitingDrain || d.timer !== undefined || d.dst === undefined) return;
    if (d === this.up && !this.serverReady) return;
    const next = d.line.nextReleaseAt();
    if (next === undefined) return;
    const wait = next - now();
    if (wait <= RELEASE_SLACK_MS) {
      this.flush(d);
      return;
    }
    d.timer = setTimeout(
      () => {
        d.timer = undefined;
        this.flush(d);
      },
      Math.max(1, Math.round(wait)),
    );
  }

  private flush(d: Direction): void {
    const dst = d.dst;
    if (this.done || this.frozen || dst === undefined || dst.destroyed) return;
    const t = now();
    for (
      let c = d.line.peekDue(t, RELEASE_SLACK_MS);
      c !== undefined;
      c = d.line.peekDue(t, RELEASE_SLACK_MS)
    ) {
      d.line.shift();
      if (c.data === null) {
        dst.end();
        continue;
      }
      if (!dst.write(c.data)) {
        d.waitingDrain = true;
        dst.once('drain', () => {
          d.waitingDrain = false;
          this.flush(d);
        });
        break;
      }
    }
    if (d.backpressured && d.line.queuedBytes <= this.highWater() / 2) {
      d.backpressured = false;
      if (!this.frozen) d.src?.resume();
    }
    this.schedule(d);
  }

  private maybeDone(): void {
    if (this.done) return;
    const serverGone = this.server === undefined || this.serverClosed;
    if (!(this.clientClosed && serverGone)) return;
    this.done = true;
    if (this.connectTimer) clearTimeout(this.connectTimer);
    for (const d of [this.up, this.down]) if (d.timer) clearTimeout(d.timer);
    this.link.connections.delete(this);
    this.log(`${this.route.link} ${this.describe()} closed`);
  }
}
