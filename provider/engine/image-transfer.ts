/**
 * The container's image on the target: when the target engine lacks it (by ID), `docker save` on the source
 * engine is piped into `docker load` on the target engine, through the controlling machine, while the
 * memory rounds run.
 */
import type { ConnectedHost } from '../hosts/connect';
import type { Bytes } from '../units';
import { imageTransferTimeout } from './timeouts';

/** `docker save` on the source engine piped into `docker load` on the target engine (through this machine). */
export async function sendImage(
  source: ConnectedHost,
  target: ConnectedHost,
  imageId: string,
  size: Bytes,
): Promise<void> {
  const timeout = imageTransferTimeout(size);
  const tar = await source.runtime.saveImage(imageId, { timeout });
  await target.runtime.loadImage(tar, { timeout });
}
