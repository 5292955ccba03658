/**
 * Pinned SSH host keys: parsing the `known_hosts`-style pin, fingerprints as OpenSSH prints them, and the
 * host key algorithms to offer so that the server presents the pinned key and not another one it has.
 * Pure functions; used by the ssh2 adapter.
 */
import { createHash } from 'node:crypto';
import { InvalidInput } from '../errors';

/** A host key pin: the key type and the public key blob (SSH wire format). */
export interface PinnedHostKey {
  /** Key type, e.g. `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`. */
  readonly type: string;
  /** The public key blob, exactly as the server sends it during key exchange. */
  readonly blob: Buffer;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Parses `"<type> <base64> [comment]"` (a line of a `.pub` file or `known_hosts` without the host column).
 *
 * @throws InvalidInput when the text is not of that form or the blob's embedded type differs from `<type>`.
 */
export function parsePinnedHostKey(text: string, field = 'hostKey'): PinnedHostKey {
  const parts = text.trim().split(/\s+/);
  const type = parts[0] ?? '';
  const b64 = parts[1] ?? '';
  const expected = 'a public key like "ssh-ed25519 AAAAC3Nza..." (the content of ssh_host_*_key.pub)';
  if (!type || !BASE64.test(b64) || b64.length % 4 !== 0) throw new InvalidInput(field, text, expected);
  const blob = Buffer.from(b64, 'base64');
  const embedded = blobKeyType(blob);
  if (embedded !== type)
    throw new InvalidInput(field, text, `${expected}; its blob says ${String(embedded)}`);
  return { type, blob };
}

/** The key type string at the start of an SSH public key blob, or `undefined` if the blob is malformed. */
export function blobKeyType(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const len = blob.readUInt32BE(0);
  if (len === 0 || len > 64 || blob.length < 4 + len) return undefined;
  return blob.subarray(4, 4 + len).toString('latin1');
}

/** The OpenSSH SHA-256 fingerprint of a key blob: `SHA256:` and unpadded base64, as `ssh-keygen -lf` prints. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/**
 * Host key algorithms to offer for a pinned key type, so the server signs with the pinned key. An RSA key
 * is used with the SHA-2 signature algorithms first (OpenSSH disables plain `ssh-rsa` signatures).
 */
export function hostKeyAlgorithms(type: string): string[] {
  if (type === 'ssh-rsa') return ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];
  return [type];
}

/** True when the key the server presented is exactly the pinned one. */
export function matchesPin(pin: PinnedHostKey, presented: Buffer): boolean {
  return pin.blob.equals(presented);
}
