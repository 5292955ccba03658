/**
 * Where a Docker Engine keeps things on its host, as pure path builders. Verified on this workplace:
 * an image directory placed at `<data-root>/containers/<id>/checkpoints/<name>` is restored by
 * `start(id, { checkpoint: name })` (`docker start --checkpoint-dir` is refused by the engine).
 */
import { posix } from 'node:path';
import { InvalidInput } from '../../errors';
import { absolutePath, containerId } from './validate';

/** The engine's default data root. */
export const DEFAULT_DOCKER_DATA_ROOT = '/var/lib/docker';

/** The engine's default runc state root (`<exec-root>/runtime-runc/moby`, exec root `/run/docker`). */
export const DEFAULT_RUNTIME_ROOT = '/run/docker/runtime-runc/moby';

/** `<dataRoot>/containers/<full id>/checkpoints/<name>`: where `start --checkpoint <name>` reads images. */
export function dockerCheckpointDir(dataRoot: string, fullId: string, name: string): string {
  // the engine's directory is named by the full id only: a name or a short id would silently miss it
  if (!/^[0-9a-f]{64}$/.test(fullId))
    throw new InvalidInput('containerId', fullId, 'the full 64-hex container id');
  return posix.join(
    absolutePath('dataRoot', dataRoot),
    'containers',
    fullId,
    'checkpoints',
    containerId('name', name),
  );
}
