import { HostUnreachable } from '../../provider/errors';
import { fingerprint, parsePinnedHostKey } from '../../provider/hosts/host-key';
import { connectFailure } from '../../provider/hosts/ssh-connect-errors';

const pin = parsePinnedHostKey(
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDtpVlJ3fCbQskUyaFbVZSB5+guuLeCKyoo6eFCSLGlQ',
);
const where = 'root@10.0.0.1:22';
const err = (message: string, extra: Record<string, unknown>) => Object.assign(new Error(message), extra);

describe('connectFailure', () => {
  it('names expected and received fingerprints on a host key mismatch', () => {
    const presented = Buffer.from(pin.blob);
    presented.writeUInt8(presented.readUInt8(presented.length - 1) ^ 0xff, presented.length - 1);
    const e = connectFailure({ where, pin, presented, timeoutSeconds: 15, error: new Error('Host denied') });
    expect(e).toBeInstanceOf(HostUnreachable);
    expect(e.message).toContain(`expected ${fingerprint(pin.blob)}`);
    expect(e.message).toContain(`received ${fingerprint(presented)}`);
    expect(e.hint).toMatch(/hostKey/);
  });

  it.each([
    [
      'authentication',
      err('All configured authentication methods failed', { level: 'client-authentication' }),
      /authentication failed/,
      /authorized_keys/,
    ],
    [
      'timeout',
      err('Timed out while waiting for handshake', { level: 'client-timeout' }),
      /within 15 s/,
      /firewall/,
    ],
    [
      'refused',
      err('connect ECONNREFUSED', { level: 'client-socket', code: 'ECONNREFUSED' }),
      /refused/,
      /sshd is running/,
    ],
    ['dns', err('getaddrinfo ENOTFOUND x', { level: 'client-dns', code: 'ENOTFOUND' }), /resolve/, /address/],
    [
      'no host key of the pinned type',
      err('Handshake failed: no matching host key format', { level: 'handshake' }),
      /handshake failed/,
      /ssh-keyscan/,
    ],
    ['anything else', err('boom', {}), /SSH connection failed \(boom\)/, /key authentication/],
  ])('explains %s', (_, error, message, hint) => {
    const e = connectFailure({ where, pin, timeoutSeconds: 15, error });
    expect(e).toBeInstanceOf(HostUnreachable);
    expect(e.host).toBe(where);
    expect(e.message).toMatch(message);
    expect(e.hint).toMatch(hint);
    expect(e.cause).toBe(error);
  });

  it('treats a reset after the key exchange as an authentication problem', () => {
    const error = err('read ECONNRESET', { level: 'client-socket', code: 'ECONNRESET' });
    const e = connectFailure({
      where,
      pin,
      presented: pin.blob,
      stage: 'authenticate',
      timeoutSeconds: 15,
      error,
    });
    expect(e.message).toMatch(/during authentication \(read ECONNRESET\)/);
    expect(e.hint).toMatch(/authorized_keys/);
  });

  it('does not call a matching presented key a mismatch', () => {
    const e = connectFailure({
      where,
      pin,
      presented: pin.blob,
      timeoutSeconds: 15,
      error: err('x', { level: 'client-authentication' }),
    });
    expect(e.message).toMatch(/authentication failed/);
  });
});
