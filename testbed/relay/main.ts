/**
 * Entry point of the relay process: `node relay/main.js <config.json>` (or through ts-node), started by the
 * test bed inside the WAN namespace, detached. It writes its pid file, opens its listeners, and answers
 * one-line JSON requests on the control socket: `{"op":"reload"}` re-reads the config file and applies it,
 * `{"op":"status"}` reports. SIGHUP also reloads; SIGTERM/SIGINT stop it.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import { parseRelayConfig, type RelayConfig, type RelayRequest, type RelayResponse } from './relay-config';
import { Relay } from './relay-server';

const log = (line: string): void => {
  process.stdout.write(`${new Date().toISOString()} ${line}\n`);
};

function readConfig(file: string): RelayConfig {
  return parseRelayConfig(fs.readFileSync(file, 'utf8'));
}

async function main(): Promise<void> {
  const configPath = process.argv[2];
  if (configPath === undefined) throw new Error('usage: relay <config.json>');
  const first = readConfig(configPath);
  const relay = new Relay(log);
  fs.writeFileSync(first.pidFile, `${process.pid}\n`);
  let chain: Promise<unknown> = relay.apply(first);
  await chain;

  const respond = (error?: string): RelayResponse => ({
    ok: error === undefined,
    ...(error !== undefined ? { error } : {}),
    pid: process.pid,
    generation: relay.generation,
    links: relay.status(),
  });
  const reload = (): Promise<RelayResponse> => {
    const next = chain.then(async () => {
      await relay.apply(readConfig(configPath));
      return respond();
    });
    chain = next.catch(() => undefined);
    return next.catch((e: unknown) => respond((e as Error).message));
  };

  const control = net.createServer((sock) => {
    let buf = '';
    sock.on('error', () => undefined);
    sock.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      let req: RelayRequest;
      try {
        req = JSON.parse(buf.slice(0, nl)) as RelayRequest;
      } catch {
        sock.end(`${JSON.stringify(respond('bad request'))}\n`);
        return;
      }
      const answer = req.op === 'reload' ? reload() : Promise.resolve(respond());
      void answer.then((r) => sock.end(`${JSON.stringify(r)}\n`));
    });
  });
  fs.rmSync(first.controlSocket, { force: true });
  await new Promise<void>((resolve, reject) => {
    control.once('error', reject);
    control.listen(first.controlSocket, () => resolve());
  });
  log(`relay ${process.pid} ready; control socket ${first.controlSocket}`);

  process.on('SIGHUP', () => {
    void reload().then((r) => log(`SIGHUP reload: ${r.ok ? 'ok' : (r.error ?? 'failed')}`));
  });
  const stop = (signal: string): void => {
    log(`${signal}: stopping`);
    control.close();
    void relay.close().finally(() => {
      fs.rmSync(first.controlSocket, { force: true });
      fs.rmSync(first.pidFile, { force: true });
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

process.on('uncaughtException', (e) => {
  log(`fatal: ${e.stack ?? String(e)}`);
  process.exit(1);
});

main().catch((e: unknown) => {
  log(`fatal: ${(e as Error).stack ?? String(e)}`);
  process.exit(1);
});
