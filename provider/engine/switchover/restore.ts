/**
 * Phase 5, restore: the final images are moved (a rename on the same file system) from the receiver's
 * round directory into `<data-root>/containers/<id>/checkpoints/<name>` of the created target container,
 * a unique nonce file is added (containerd 1.6 refuses to store a checkpoint whose content it has seen
 * before: "content sha256:...: already exists"; CRIU ignores unknown files), and the target engine starts
 * the container from it, so that it manages the container like any other (`docker ps`, logs, stop).
 *
 * Pages by reference (docs/engine.md, restore study): the engine copies the whole checkpoint dir through
 * containerd's content store (tar + sha256 + write) and unpacks it again under the shim's temp dir
 * (`/tmp/ctrd-checkpoint*`) before CRIU reads it: about 4 of the 4.6 to 5.8 s of a 256 MiB restore. The
 * memory pages (`pages-*.img`, nearly all of the bytes) are therefore moved out to a sibling of that temp
 * dir, `/tmp/ferry-pages-<...>/`, and replaced by RELATIVE symlinks `../ferry-pages-<...>/pages-N.img`:
 * containerd copies only the links, and CRIU, which opens images relative to the image dir's fd (also after
 * it entered the container's mount namespace), resolves them to the moved files. Absolute links fail
 * ("No pages-1.img image"): they resolve against the container's root.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { InvalidInput, RestoreFailed } from '../../errors';
import { dockerCheckpointDir, DEFAULT_DOCKER_DATA_ROOT } from '../../hosts/commands/docker-paths';
import type { ConnectedHost } from '../../hosts/connect';
import { run } from '../../hosts/run';
import { seconds, type Bytes, type Duration } from '../../units';
import { restoreTimeout, SHORT_STEP } from '../timeouts';
import type { Clock, MigrationHooks } from '../types';

/** Name of the nonce file written into every checkpoint directory before a restore. */
export const NONCE_FILE = 'ferry-nonce';

/**
 * `sh -c` that moves image dir `from` to `to` (creating `to`'s parent; `to` must not exist; a rename on
 * the same file system) and writes `nonce` into `to`/{@link NONCE_FILE}. Without `from`: only the nonce.
 */
export function placeImagesArgv(from: string | undefined, to: string, nonce: string): string[] {
  if (!/^[A-Za-z0-9_.-]{8,128}$/.test(nonce))
    throw new InvalidInput('nonce', nonce, 'letters, digits, _ . -');
  const move = from === undefined ? '' : 'mkdir -p "$(dirname "$2")" && [ ! -e "$2" ] && mv -- "$1" "$2" && ';
  return ['sh', '-c', `${move}printf "%s\\n" "$3" > "$2/${NONCE_FILE}"`, 'sh', from ?? '-', to, nonce];
}

/** The shim's temp dir, where containerd unpacks checkpoints (`ctrd-checkpoint*`). */
export const SHIM_TMPDIR = '/tmp';

/**
 * Where the pages of a checkpoint are kept by reference during its restore (a sibling of the unpacked dir,
 * so in the shared `/tmp`): named after the checkpoint and the container, with a random `nonce` so that the
 * name cannot be guessed beforehand (the dir is created fresh, 0700: an existing one fails the restore).
 */
export function pagesDirFor(checkpointName: string, containerId: string, nonce: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(checkpointName)) {
    throw new InvalidInput('checkpointName', checkpointName, 'letters, digits, _ . -');
  }
  if (!/^[0-9a-f]{8,}$/.test(nonce)) throw new InvalidInput('nonce', nonce, 'at least 8 hex digits');
  return `${SHIM_TMPDIR}/ferry-pages-${checkpointName}-${containerId.slice(0, 12)}-${nonce}`;
}

/** `rm -rf` of every pages dir of checkpoint `checkpointName` (all nonces): what a killed restore left. */
export function removePagesDirsArgv(checkpointName: string): string[] {
  if (!/^[A-Za-z0-9_.-]+$/.test(checkpointName)) {
    throw new InvalidInput('checkpointName', checkpointName, 'letters, digits, _ . -');
  }
  return ['sh', '-c', 'rm -rf -- "$1"/ferry-pages-"$2"-*', 'sh', SHIM_TMPDIR, checkpointName];
}

/** A fresh random nonce for {@link pagesDirFor}. */
export function pagesNonce(): string {
  return randomBytes(8).toString('hex');
}

/**
 * `sh -c` that creates `pagesDir` (0700; it must not exist), moves `dir`'s `pages-*.img` into it and leaves
 * relative symlinks in their place.
 */
export function pagesByReferenceArgv(dir: string, pagesDir: string): string[] {
  const name = pagesDir.slice(SHIM_TMPDIR.length + 1);
  if (!pagesDir.startsWith(`${SHIM_TMPDIR}/ferry-pages-`) || name.includes('/') || name.includes('..')) {
    throw new InvalidInput('pagesDir', pagesDir, `a directory ${SHIM_TMPDIR}/ferry-pages-*`);
  }
  return [
    'sh',
    '-c',
    'mkdir -m 700 -- "$2" && for f in "$1"/pages-*.img; do [ -f "$f" ] && [ ! -L "$f" ] || continue; b=${f##*/}; mv -- "$f" "$2/$b" && ln -s "../${2##*/}/$b" "$f" || exit 1; done',
    'sh',
    dir,
    pagesDir,
  ];
}

/** `sh -c` that undoes {@link pagesByReferenceArgv}: pages back into `dir`, `pagesDir` removed. */
export function pagesBackArgv(dir: string, pagesDir: string): string[] {
  pagesByReferenceArgv(dir, pagesDir);
  return [
    'sh',
    '-c',
    '[ -d "$2" ] || exit 0; for f in "$2"/pages-*.img; do [ -f "$f" ] || continue; b=${f##*/}; rm -f -- "$1/$b" && mv -- "$f" "$1/$b" || exit 1; done; rm -rf -- "$2"',
    'sh',
    dir,
    pagesDir,
  ];
}

/**
 * The engine restored the container from its images and it ran, then ended by itself right away (for
 * example on a signal its engine sent before the checkpoint, now delivered): nothing of it runs.
 */
export class ExitedAfterRestore extends Error {
  constructor(
    /** Its state afterwards (`exited`, `dead`). */
    readonly state: string,
    /** Its exit code. */
    readonly exitCode: number,
  ) {
    super(`the container is ${state} after the restore (it ran, then exited with code ${exitCode})`);
    this.name = 'ExitedAfterRestore';
  }
}

/** What the restore took, in seconds. */
export interface RestoreResult {
  /** Where the images were placed on the target. */
  readonly checkpointDir: string;
  /** Moving the images into place and writing the nonce. */
  readonly placeTime: Duration;
  /** The engine's `start --checkpoint` call. */
  readonly startTime: Duration;
  /** Clock reading when the target was seen running. */
  readonly runningAt: Duration;
}

/** Places images and writes a nonce into a container's checkpoint dir, then starts it from there. */
export async function startFromImages(
  host: ConnectedHost,
  containerId: string,
  checkpointName: string,
  imagesFrom: string | undefined,
  memory: Bytes,
  clock: Clock,
  hooks?: MigrationHooks,
  pagesByReference = true,
): Promise<RestoreResult> {
  const dir = dockerCheckpointDir(
    host.config.dockerDataRoot ?? DEFAULT_DOCKER_DATA_ROOT,
    containerId,
    checkpointName,
  );
  const t0 = clock.now();
  const pagesDir = pagesDirFor(checkpointName, containerId, pagesNonce());
  // pages leave the received round dir first: /tmp and the work dir are usually one mount (a rename),
  // the engine's data root often another (a copy): only the small files and the links cross it
  if (pagesByReference) {
    await run(host.shell, pagesByReferenceArgv(imagesFrom ?? dir, pagesDir), { timeout: SHORT_STEP });
  }
  await run(host.shell, placeImagesArgv(imagesFrom, dir, `${checkpointName}.${randomUUID()}`), {
    timeout: SHORT_STEP,
  });
  await hooks?.beforeRestore?.({ target: host, imageDir: dir });
  const before = await host.runtime.inspect(containerId, { timeout: SHORT_STEP });
  const t1 = clock.now();
  try {
    await host.runtime.start(containerId, { checkpoint: checkpointName, timeout: restoreTimeout(memory) });
  } catch (e) {
    // keep the image dir complete (a rollback or a later recovery may restore from it)
    if (pagesByReference)
      await run(host.shell, pagesBackArgv(dir, pagesDir), { timeout: SHORT_STEP }).catch(() => undefined);
    throw e;
  }
  const t2 = clock.now();
  if (pagesByReference)
    await run(host.shell, ['rm', '-rf', '--', pagesDir], { timeout: SHORT_STEP }).catch(() => undefined);
  const info = await host.runtime.inspect(containerId, { timeout: SHORT_STEP });
  if (info?.state !== 'running') {
    // started (its start time moved) and then ended on its own: the restore worked, the process exited
    if (info !== undefined && before !== undefined && info.startedAt !== before.startedAt)
      throw new ExitedAfterRestore(info.state, info.exitCode);
    throw new Error(`the container is ${info?.state ?? 'gone'} after the restore`);
  }
  return {
    checkpointDir: dir,
    placeTime: seconds(t1 - t0),
    startTime: seconds(t2 - t1),
    runningAt: clock.now(),
  };
}

/** Restores the target container from the final images. @throws RestoreFailed (the caller rolls back). */
export async function restoreOnTarget(
  target: ConnectedHost,
  targetId: string,
  checkpointName: string,
  targetImageDir: string,
  memory: Bytes,
  clock: Clock,
  hooks: MigrationHooks | undefined,
  pagesByReference = true,
): Promise<RestoreResult> {
  try {
    return await startFromImages(
      target,
      targetId,
      checkpointName,
      targetImageDir,
      memory,
      clock,
      hooks,
      pagesByReference,
    );
  } catch (e) {
    throw new RestoreFailed(`the target engine could not restore the container`, undefined, {
      cause: e,
      hint: 'see the engine log and restore.log under the container checkpoint dir on the target',
    });
  }
}
