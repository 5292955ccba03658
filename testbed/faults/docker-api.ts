/**
 * The few Docker Engine API calls the campaign makes, straight to each engine's unix socket from this
 * machine's root namespace (thin I/O; answers parsed with zod). No SSH: the sampler asks every 100 ms.
 */
import * as http from 'node:http';
import { demuxDockerLog } from './log-lines';
import { containerListSchema, createdSchema, parseOrWhy } from './schemas';

/** An answer of the engine. */
interface Answer {
  readonly status: number;
  readonly body: Buffer;
}

/**
 * One request to the engine at unix socket `socket`.
 * @throws Error when the engine does not answer within `timeoutMs` milliseconds or the socket is dead.
 */
function request(
  socket: string,
  method: string,
  urlPath: string,
  body?: unknown,
  timeoutMs = 5000,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request(
      {
        socketPath: socket,
        method,
        path: urlPath,
        timeout: timeoutMs,
        headers: payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {},
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts) }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${urlPath}: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

function expectStatus(a: Answer, ok: readonly number[], what: string): void {
  if (!ok.includes(a.status))
    throw new Error(`${what}: HTTP ${a.status} ${a.body.toString('utf8').slice(0, 200).trim()}`);
}

/** A container as listed. */
export interface ListedContainer {
  /** Full id. */
  readonly id: string;
  /** Name without the leading `/`. */
  readonly name: string;
  /** `running`, `exited`, `created`, `paused`... */
  readonly state: string;
}

/**
 * Containers whose name matches the regular expression `nameRegex` (Docker's name filter; names start with
 * `/`), running or not.
 */
export async function listContainers(
  socket: string,
  nameRegex: string,
  timeoutMs = 1000,
): Promise<ListedContainer[]> {
  const filters = encodeURIComponent(JSON.stringify({ name: [nameRegex] }));
  const a = await request(socket, 'GET', `/containers/json?all=1&filters=${filters}`, undefined, timeoutMs);
  expectStatus(a, [200], 'list containers');
  const parsed = parseOrWhy(containerListSchema, a.body.toString('utf8'));
  if (!parsed.ok) throw new Error(`list containers: unexpected answer (${parsed.why})`);
  return parsed.value.map((c) => ({ id: c.Id, name: (c.Names[0] ?? '').replace(/^\//, ''), state: c.State }));
}

/** The containers named exactly `name`. */
export function containersNamed(socket: string, name: string, timeoutMs = 1000): Promise<ListedContainer[]> {
  return listContainers(socket, `^/${name}$`, timeoutMs);
}

/** The last `tail` lines of a container's log (stdout and stderr). */
export async function containerLog(
  socket: string,
  id: string,
  tail: number,
  timeoutMs = 5000,
): Promise<string> {
  const a = await request(
    socket,
    'GET',
    `/containers/${encodeURIComponent(id)}/logs?stdout=1&stderr=1&tail=${tail}`,
    undefined,
    timeoutMs,
  );
  expectStatus(a, [200], `log of ${id.slice(0, 12)}`);
  return demuxDockerLog(a.body);
}

/** Removes a container and its anonymous volumes, running or not; a missing one is fine. */
export async function removeContainer(socket: string, id: string, timeoutMs = 30000): Promise<void> {
  const a = await request(
    socket,
    'DELETE',
    `/containers/${encodeURIComponent(id)}?force=1&v=1`,
    undefined,
    timeoutMs,
  );
  expectStatus(a, [204, 404], `remove ${id.slice(0, 12)}`);
}

/** What the campaign starts: the dirtier, without network, labelled like `ferry run` labels it. */
export interface WorkloadContainer {
  /** Container name. */
  readonly name: string;
  /** Image, e.g. `ferry/dirtier:latest`. */
  readonly image: string;
  /** Command (argv). */
  readonly cmd: readonly string[];
}

/** Creates and starts a container; resolves its full id. */
export async function runContainer(socket: string, c: WorkloadContainer): Promise<string> {
  const created = await request(socket, 'POST', `/containers/create?name=${encodeURIComponent(c.name)}`, {
    Image: c.image,
    Cmd: c.cmd,
    Labels: { 'ferry.workload': c.name },
    HostConfig: { NetworkMode: 'none' },
  });
  expectStatus(created, [201], `create ${c.name}`);
  const parsed = parseOrWhy(createdSchema, created.body.toString('utf8'));
  if (!parsed.ok) throw new Error(`create ${c.name}: unexpected answer (${parsed.why})`);
  const id = parsed.value.Id;
  const started = await request(socket, 'POST', `/containers/${id}/start`);
  expectStatus(started, [204, 304], `start ${c.name}`);
  return id;
}

/** Whether the engine answers `GET /_ping`. */
export async function engineAnswers(socket: string, timeoutMs = 1500): Promise<boolean> {
  try {
    return (await request(socket, 'GET', '/_ping', undefined, timeoutMs)).status === 200;
  } catch {
    return false;
  }
}
