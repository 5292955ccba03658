/**
 * Turns what went wrong while connecting to an SSH server into a `HostUnreachable` a user can act on.
 * Pure (no ssh2 import): the ssh2 adapter passes the raw error and what the host key check saw.
 */
import { HostUnreachable } from '../errors';
import { blobKeyType, fingerprint, type PinnedHostKey } from './host-key';

/** What the adapter knows when a connection attempt failed. */
export interface ConnectFailure {
  /** `user@address:port`. */
  readonly where: string;
  /** The pinned host key. */
  readonly pin: PinnedHostKey;
  /** The host key blob the server presented, when the handshake got that far. */
  readonly presented?: Buffer;
  /** How far the attempt got: `connect` (TCP + key exchange) or `authenticate` (host key accepted). */
  readonly stage?: 'connect' | 'authenticate';
  /** The connect timeout that applied, in seconds. */
  readonly timeoutSeconds: number;
  /** The error ssh2 (or the socket) raised; ssh2 sets `level` (`client-socket`, `client-authentication`, ...). */
  readonly error?: unknown;
}

/** Builds the `HostUnreachable` for a failed connection attempt, naming the cause and a fix. */
export function connectFailure(f: ConnectFailure): HostUnreachable {
  const { where, pin, presented, error } = f;
  if (presented && !pin.blob.equals(presented)) {
    return new HostUnreachable(
      where,
      `host key mismatch: expected ${fingerprint(pin.blob)} (${pin.type}), ` +
        `received ${fingerprint(presented)} (${blobKeyType(presented) ?? 'unknown type'})`,
      {
        hint:
          'if the host was reinstalled, update hostKey in the cluster config (ssh-keyscan -t ' +
          `${pin.type} or the host's /etc/ssh/ssh_host_*_key.pub); otherwise the connection may be intercepted`,
        cause: error,
      },
    );
  }
  const e = (error ?? {}) as { level?: unknown; code?: unknown; message?: unknown };
  const level = typeof e.level === 'string' ? e.level : '';
  const code = typeof e.code === 'string' ? e.code : '';
  const msg = typeof e.message === 'string' ? e.message : String(error);
  const opts = (hint: string) => ({ hint, cause: error });
  if (level === 'client-authentication') {
    return new HostUnreachable(
      where,
      `authentication failed (${msg})`,
      opts("check privateKey/privateKeyPath and that its public key is in the user's authorized_keys"),
    );
  }
  if (f.stage === 'authenticate' && level !== 'client-timeout') {
    return new HostUnreachable(
      where,
      `the server closed the connection during authentication (${msg})`,
      opts(
        "check privateKey/privateKeyPath, the user, and that its public key is in the user's authorized_keys",
      ),
    );
  }
  if (level === 'client-timeout') {
    return new HostUnreachable(
      where,
      `no SSH session within ${f.timeoutSeconds} s (${msg})`,
      opts('check the address and port, that sshd runs there, and that no firewall drops the packets'),
    );
  }
  if (level === 'client-dns' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new HostUnreachable(where, `cannot resolve the address (${msg})`, opts('check address'));
  }
  if (code === 'ECONNREFUSED') {
    return new HostUnreachable(
      where,
      'connection refused',
      opts('check that sshd is running and listening on this address and port'),
    );
  }
  if (/host key|hostkey|host-key/i.test(msg)) {
    return new HostUnreachable(
      where,
      `SSH handshake failed (${msg})`,
      opts(`the server has no ${pin.type} host key; pin one of the keys it has (ssh-keyscan)`),
    );
  }
  return new HostUnreachable(
    where,
    `SSH connection failed (${msg})`,
    opts('check the address, port and user, and that sshd accepts key authentication'),
  );
}
