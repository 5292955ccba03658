/**
 * Pure builders of `docker` CLI argument vectors and parsers of their output. The CLI is the client of
 * Debian's docker.io, present on every host that runs the engine; every command names the engine's socket
 * (`--host unix://<socket>`), so no `DOCKER_HOST` or context on the host is used. Used where a file has to
 * stay on the host: the image tar that crosses the direct data path.
 */
import { InvalidInput } from '../../errors';
import { bytes, type Bytes } from '../../units';
import { absolutePath } from './validate';

/** The docker CLI binary name (found on the host's PATH). */
export const DOCKER = 'docker';

/** An image ID as the engine reports it: `sha256:<64 hex>` (or the bare 64 hex digits). */
function imageId(field: string, value: string): string {
  if (typeof value !== 'string' || !/^(sha256:)?[0-9a-f]{64}$/.test(value)) {
    throw new InvalidInput(field, value, 'an image ID "sha256:<64 hex digits>"');
  }
  return value;
}

/** `docker --host unix://<socket>`: the CLI addressed to the engine at `socket` (absolute path). */
export function dockerHostArgv(socket: string): string[] {
  return [DOCKER, '--host', `unix://${absolutePath('socket', socket)}`];
}

/** `docker --host unix://<socket> save --output <file> <imageId>`: writes the image as a tar file. */
export function dockerSaveArgv(socket: string, file: string, id: string): string[] {
  return [...dockerHostArgv(socket), 'save', '--output', absolutePath('file', file), imageId('imageId', id)];
}

/** `docker --host unix://<socket> load --input <file>`: loads the images of a `docker save` tar file. */
export function dockerLoadArgv(socket: string, file: string): string[] {
  return [...dockerHostArgv(socket), 'load', '--input', absolutePath('file', file)];
}

/** `docker --host unix://<socket> image inspect --format {{.Size}} <imageId>`: the image's size in bytes. */
export function dockerImageSizeArgv(socket: string, id: string): string[] {
  return [...dockerHostArgv(socket), 'image', 'inspect', '--format', '{{.Size}}', imageId('imageId', id)];
}

/** Parses the output of {@link dockerImageSizeArgv} (one decimal number of bytes). @throws InvalidInput. */
export function parseImageSize(stdout: string): Bytes {
  const text = stdout.trim();
  if (!/^\d+$/.test(text)) throw new InvalidInput('image size', stdout.slice(0, 200), 'a number of bytes');
  return bytes(Number(text));
}
