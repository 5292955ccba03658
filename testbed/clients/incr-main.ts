/**
 * `node dist/testbed/clients/incr-main.js --endpoints-file F --initial HOST:PORT [--key K] [--summary S]`:
 * the demo's Redis client. It sends `INCR` every 10 ms (a reply later than 250 ms counts as failed) to the
 * service, which is at `--initial` until the file F (written by the cutover hook: `{endpoints: [{host,
 * port}]}`) says otherwise; it reads F whenever it reconnects. On SIGTERM or SIGINT it stops, reads the
 * counter where the service is now, prints one line and writes the summary as JSON to S.
 */
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { startIncrClient, type ServiceAddress } from './incr-client';
import { noAcknowledgedWriteLost, summarizeIncrs } from './incr-log';
import { RespConnection } from './resp';

function address(text: string): ServiceAddress {
  const m = /^([^:]+):(\d+)$/.exec(text);
  if (!m) throw new Error(`--initial: expected HOST:PORT, got ${JSON.stringify(text)}`);
  return { host: m[1]!, port: Number(m[2]) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'endpoints-file': { type: 'string' },
      initial: { type: 'string' },
      key: { type: 'string' },
      summary: { type: 'string' },
    },
  });
  if (values['endpoints-file'] === undefined || values.initial === undefined)
    throw new Error('usage: incr-main --endpoints-file F --initial HOST:PORT [--key K] [--summary S]');
  const file = values['endpoints-file'];
  const key = values.key ?? 'demo:counter';
  let current = address(values.initial);
  const endpoint = (): ServiceAddress => {
    try {
      const ev = JSON.parse(fs.readFileSync(file, 'utf8')) as { endpoints?: ServiceAddress[] };
      current = ev.endpoints?.[0] ?? current;
    } catch {
      // not written yet
    }
    return current;
  };
  const client = startIncrClient(endpoint, key, 10, 250);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  const log = await client.stop();
  const s = summarizeIncrs(log);
  const where = endpoint();
  const conn = await RespConnection.connect(where.host, where.port);
  const final = Number(await conn.call(['GET', key]));
  conn.close();
  const lost = !noAcknowledgedWriteLost(s, final);
  const line =
    `client: ${s.acknowledged} INCRs acknowledged, ${s.errors} failed ${JSON.stringify(s.errorKinds)}; ` +
    `longest gap between two replies ${s.longestGapMs} ms; counter on ${where.host}:${where.port} is ${final}, ` +
    `last acknowledged ${s.lastAcknowledged}: ${lost ? 'ACKNOWLEDGED WRITES LOST' : 'no acknowledged write lost'}`;
  process.stdout.write(`${line}\n`);
  if (values.summary !== undefined)
    fs.writeFileSync(values.summary, `${JSON.stringify({ ...s, final, lost, endpoint: where }, null, 2)}\n`);
  process.exitCode = lost ? 1 : 0;
}

main().catch((e: unknown) => {
  process.stderr.write(`incr client: ${(e as Error).message}\n`);
  process.exitCode = 2;
});
