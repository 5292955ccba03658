/** Starting, reconfiguring and asking the relay (thin I/O over its control socket). */
import * as net from 'node:net';
import { PrerequisiteMissing, TimedOut } from '../provider/errors';
import { WAN_NETNS } from './address-plan';
import { inNetns } from './daemon-config';
import { logTail, sleep, spawnDetached } from './exec';
import { HELPER_NICE, PACKAGE_ROOT, helperArgv, helperEnv } from './node-entry';
import type { TestbedPaths } from './paths';
import { isAlive, isOurProcess } from './processes';
import { buildRelayConfig } from './relay-plan';
import type { RelayRequest, RelayResponse } from './relay/relay-config';
import { writeFileAtomic, type TestbedState } from './state';

/**
 * Sends one request to the relay's control socket.
 * @throws Error when the socket does not answer within `timeoutMs` (milliseconds) or answers garbage.
 */
export function relayRequest(
  socketPath: string,
  req: RelayRequest,
  timeoutMs = 10000,
): Promise<RelayResponse> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(socketPath);
    let buf = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`relay control socket ${socketPath} did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    sock.on('connect', () => sock.write(`${JSON.stringify(req)}\n`));
    sock.on('data', (d: Buffer) => (buf += d.toString()));
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    sock.on('end', () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(buf) as RelayResponse);
      } catch {
        reject(new Error(`relay control socket ${socketPath} answered garbage: ${buf.slice(0, 200)}`));
      }
    });
  });
}

/** The relay's status, or `undefined` when it does not answer. */
export async function relayStatus(paths: TestbedPaths): Promise<RelayResponse | undefined> {
  try {
    return await relayRequest(paths.relayControlSocket, { op: 'status' }, 3000);
  } catch {
    return undefined;
  }
}

/**
 * Writes the relay config for `state` and makes the relay apply it: reloads a running relay, or starts one
 * in the WAN namespace and waits until it answers.
 * @returns the relay's pid.
 * @throws PrerequisiteMissing when the relay exits or refuses the config; TimedOut when it does not answer.
 */
export async function ensureRelay(
  paths: TestbedPaths,
  state: TestbedState,
  timeoutSeconds = 30,
): Promise<number> {
  writeFileAtomic(paths.relayConfig, `${JSON.stringify(buildRelayConfig(state, paths), null, 2)}\n`);
  if (isOurProcess(state.relayPid, WAN_NETNS, paths.relayConfig)) {
    const r = await relayRequest(paths.relayControlSocket, { op: 'reload' });
    if (!r.ok) throw relayError(paths, `refused the new config: ${r.error ?? '?'}`);
    return r.pid;
  }
  const argv = inNetns(WAN_NETNS, [...HELPER_NICE, ...helperArgv('relay/main'), paths.relayConfig]);
  const pid = spawnDetached(argv, paths.relayLog, { env: helperEnv(), cwd: PACKAGE_ROOT });
  const deadline = Date.now() + timeoutSeconds * 1000;
  while (Date.now() < deadline) {
    await sleep(100);
    if (!isAlive(pid)) throw relayError(paths, 'exited while starting');
    const r = await relayStatus(paths);
    if (r?.ok) return r.pid;
  }
  throw new TimedOut(`relay start (pid ${pid})`, timeoutSeconds, { hint: `see ${paths.relayLog}` });
}

function relayError(paths: TestbedPaths, what: string): PrerequisiteMissing {
  return new PrerequisiteMissing(
    'relay',
    `${what}; last lines of ${paths.relayLog}:\n${logTail(paths.relayLog)}`,
    {
      hint: 'fix the cause shown, then run `ferry testbed up` again',
    },
  );
}
