import { InvalidInput } from '../../provider/errors';
import {
  blobKeyType,
  fingerprint,
  hostKeyAlgorithms,
  matchesPin,
  parsePinnedHostKey,
} from '../../provider/hosts/host-key';

// Generated once with `ssh-keygen -t ed25519`; `ssh-keygen -lf` printed the fingerprint below.
const ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDtpVlJ3fCbQskUyaFbVZSB5+guuLeCKyoo6eFCSLGlQ';
const ED25519_FP = 'SHA256:smsimXG3Ct8yxaa0KV7HPl7oD4F9RP9Yp/LfYCKq3ds';

describe('parsePinnedHostKey', () => {
  it('parses a .pub line with a comment', () => {
    const pin = parsePinnedHostKey(`${ED25519} root@host\n`);
    expect(pin.type).toBe('ssh-ed25519');
    expect(blobKeyType(pin.blob)).toBe('ssh-ed25519');
    expect(fingerprint(pin.blob)).toBe(ED25519_FP);
  });

  it.each([
    ['empty', ''],
    ['type only', 'ssh-ed25519'],
    ['not base64', 'ssh-ed25519 !!!!'],
    ['type differs from the blob', ED25519.replace('ssh-ed25519', 'ssh-rsa')],
    ['truncated blob', 'ssh-ed25519 AAAA'],
  ])('rejects %s', (_, text) => {
    expect(() => parsePinnedHostKey(text, 'hosts.h1.hostKey')).toThrow(InvalidInput);
  });

  it('names the field in the error', () => {
    expect(() => parsePinnedHostKey('nonsense', 'hosts.h1.hostKey')).toThrow(/hosts\.h1\.hostKey/);
  });
});

describe('host key helpers', () => {
  it('matches only the identical blob', () => {
    const pin = parsePinnedHostKey(ED25519);
    expect(matchesPin(pin, Buffer.from(pin.blob))).toBe(true);
    const other = Buffer.from(pin.blob);
    other.writeUInt8(other.readUInt8(other.length - 1) ^ 1, other.length - 1);
    expect(matchesPin(pin, other)).toBe(false);
  });

  it.each([
    ['ssh-ed25519', ['ssh-ed25519']],
    ['ecdsa-sha2-nistp256', ['ecdsa-sha2-nistp256']],
    ['ssh-rsa', ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']],
  ])('offers host key algorithms for %s', (type, algos) => {
    expect(hostKeyAlgorithms(type)).toEqual(algos);
  });

  it('reads no type from malformed blobs', () => {
    expect(blobKeyType(Buffer.alloc(2))).toBeUndefined();
    expect(blobKeyType(Buffer.from([0, 0, 0, 200, 1]))).toBeUndefined();
  });
});
