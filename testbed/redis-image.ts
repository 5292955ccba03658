/**
 * The test bed's real workload image `ferry/redis`: Debian's own `redis-server` (bookworm's package, which
 * the host setup installs without starting its service) with the shared libraries `ldd` names, on the
 * busybox root filesystem of the other test images. Nobody here wrote the program that runs in it.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { PrerequisiteMissing } from '../provider/errors';
import { busyboxRootfs, distributeImage, run, tarRootfs, type BuiltImage } from './images';
import { PACKAGE_ROOT } from './node-entry';

/** Repository of the image. */
export const REDIS_REPO = 'ferry/redis';
/** The port Redis serves inside the container. */
export const REDIS_PORT = 6379;

/** The libraries of an `ldd` listing: `name => /path (0x...)` and the interpreter's `/path (0x...)`. */
export function parseLdd(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /=>\s*(\/\S+)\s+\(0x/.exec(line) ?? /^\s*(\/\S+)\s+\(0x/.exec(line);
    if (m && !out.includes(m[1]!)) out.push(m[1]!);
  }
  return out;
}

/**
 * `docker import` arguments: Redis in the foreground on every address, no persistence by default (a
 * container of the image can pass its own options), `DEBUG` allowed (the tests fill memory with
 * `DEBUG POPULATE`), data in /data.
 */
export function redisImportArgs(tarPath: string, name: string, hash: string): string[] {
  return [
    'import',
    '--change', 'ENV PATH=/bin:/usr/bin',
    '--change', 'WORKDIR /data',
    '--change', `EXPOSE ${REDIS_PORT}/tcp`,
    '--change', 'CMD ["redis-server", "--bind", "0.0.0.0", "--protected-mode", "no", "--save", "", "--appendonly", "no", "--enable-debug-command", "yes"]',
    '--change', `LABEL ferry.workload-hash=${hash}`,
    tarPath,
    name,
  ]; // prettier-ignore
}

/**
 * Builds `ferry/redis:<hash>` (also `:latest`) from the host's `redis-server` and puts it into every engine
 * at `sockets`, with one image ID. Idempotent.
 * @throws PrerequisiteMissing when redis-server is not installed (scripts/setup/packages.sh installs it).
 */
export async function buildRedisImage(
  sockets: readonly string[],
  log?: (line: string) => void,
): Promise<BuiltImage> {
  const found = (await run(['sh', '-c', 'command -v redis-server || true'], 10)).trim();
  if (found === '')
    throw new PrerequisiteMissing('redis-server', 'not installed on this machine', {
      hint: 'run scripts/setup/packages.sh (it installs Debian redis-server without starting it)',
    });
  const binary = await fs.realpath(found);
  const libs = parseLdd(await run(['ldd', binary], 30));
  const h = createHash('sha256').update(await fs.readFile(binary));
  for (const lib of libs) h.update(lib).update(await fs.readFile(lib));
  const hash = h.digest('hex');
  return distributeImage(sockets, {
    name: `${REDIS_REPO}:${hash.slice(0, 12)}`,
    latest: `${REDIS_REPO}:latest`,
    workParent: path.join(PACKAGE_ROOT, '.ferry', 'cache', 'redis'),
    assemble: async (work) => {
      const root = await busyboxRootfs(work);
      await fs.mkdir(path.join(root, 'data'), { recursive: true });
      await fs.copyFile(binary, path.join(root, 'usr', 'bin', 'redis-server'));
      await fs.chmod(path.join(root, 'usr', 'bin', 'redis-server'), 0o755);
      for (const lib of libs) {
        await fs.mkdir(path.join(root, path.dirname(lib)), { recursive: true });
        await fs.copyFile(await fs.realpath(lib), path.join(root, lib));
      }
      return tarRootfs(root, work);
    },
    importArgs: (tarPath, name) => redisImportArgs(tarPath, name, hash),
    ...(log !== undefined ? { log } : {}),
  });
}
