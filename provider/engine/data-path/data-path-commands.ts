/**
 * Pure builders of the direct data path's argument vectors and texts: the `ssh` command the source runs to
 * reach the target's receiver, the authorized_keys line that binds the per-migration key to that receiver,
 * the known_hosts line of the pinned target key, and the edits of the authorized_keys file.
 */
import type { HostConfig, PeerEndpoint } from '../../config/clusters';
import { InvalidInput } from '../../errors';
import { absolutePath, plainWord } from '../../hosts/commands/validate';
import { safeScriptPath } from './receive-script';

/** The marker that identifies a migration's line in authorized_keys (its key comment). */
export function keyComment(migrationId: string): string {
  if (!/^[A-Za-z0-9-]{1,64}$/.test(migrationId)) {
    throw new InvalidInput('migrationId', migrationId, 'letters, digits and -');
  }
  return `ferry-migration-${migrationId}`;
}

/** `expiry-time` of an authorized_keys line: `YYYYMMDDHHMMZ` (UTC, minutes; OpenSSH 8.x and later). */
export function expiryTimespec(at: Date): string {
  return `${at.toISOString().slice(0, 16).replace(/[-T:]/g, '')}Z`;
}

/**
 * The authorized_keys line for the per-migration public key: `restrict` (no pty, no forwarding), a forced
 * command running the migration's receiver, and, when `expires` is given, an `expiry-time` after which
 * sshd refuses the key (so a line that a crash left behind is dead even before a recovery removes it).
 */
export function authorizedKeyLine(
  publicKey: string,
  targetDir: string,
  migrationId: string,
  expires?: Date,
  from?: string,
): string {
  const m = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp256) ([A-Za-z0-9+/=]+)/.exec(publicKey.trim());
  if (!m) throw new InvalidInput('publicKey', publicKey, 'an OpenSSH public key "<type> <base64>"');
  const dir = safeScriptPath('targetDir', targetDir);
  const expiry = expires === undefined ? '' : `,expiry-time="${expiryTimespec(expires)}"`;
  const source = from === undefined ? '' : `,from="${peerAddress(from)}"`;
  return `restrict${expiry}${source},command="sh ${dir}/receive.sh" ${m[1]} ${m[2]} ${keyComment(migrationId)}`;
}

/**
 * Checks a client address as the receiver's `peer` printed it (an IPv4 or IPv6 literal, no zone, no
 * pattern characters) for the key line's `from=`; returns it trimmed.
 */
export function peerAddress(text: string): string {
  const a = text.trim();
  const v4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
  const v6 = /^[0-9A-Fa-f:.]{2,45}$/;
  if (!v4.test(a) && !(a.includes(':') && v6.test(a))) {
    throw new InvalidInput('peer address', text, 'an IPv4 or IPv6 address');
  }
  return a;
}

/** The known_hosts line pinning `hostKey` (`"<type> <base64>"`) for `address:port`. */
export function knownHostsLine(endpoint: PeerEndpoint, hostKey: string): string {
  const key = hostKey.trim();
  if (!/^[a-z0-9-]+ [A-Za-z0-9+/=]+$/.test(key)) {
    throw new InvalidInput('hostKey', hostKey, '"<type> <base64>" as in known_hosts');
  }
  const addr = plainWord('address', endpoint.address);
  const name = endpoint.port === 22 ? addr : `[${addr}]:${endpoint.port}`;
  return `${name} ${key}`;
}

/** How the source reaches the target's SSH server: `source.peers["<cluster>/<host>"]`, else the target's own address. */
export function peerEndpoint(source: HostConfig, targetCluster: string, target: HostConfig): PeerEndpoint {
  return source.peers?.[`${targetCluster}/${target.name}`] ?? { address: target.address, port: target.port };
}

/** What the source's `ssh` needs. */
export interface DirectSshOptions {
  /** Private key file on the source (0600). */
  readonly keyFile: string;
  /** known_hosts file on the source holding the target's pinned key. */
  readonly knownHostsFile: string;
  /** Where to dial. */
  readonly endpoint: PeerEndpoint;
  /** User on the target. */
  readonly user: string;
  /** Seconds to wait for the TCP connection. */
  readonly connectTimeout: number;
  /**
   * Control socket of a shared connection (OpenSSH multiplexing): the first ssh becomes the master and
   * stays up in the background, later rounds skip the TCP and SSH handshakes (several RTTs each).
   */
  readonly controlPath?: string;
}

/**
 * `ssh ... <user>@<address> <words...>`: no config files, only the given key, strict pinned host key,
 * batch mode, no compression, keepalives that end a hung connection within ~15 s.
 */
export function directSshArgv(o: DirectSshOptions, words: readonly string[]): string[] {
  const port = o.endpoint.port;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new InvalidInput('port', port, '1..65535');
  return [
    'ssh',
    '-F',
    '/dev/null',
    '-i',
    absolutePath('keyFile', o.keyFile),
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    `UserKnownHostsFile=${absolutePath('knownHostsFile', o.knownHostsFile)}`,
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'BatchMode=yes',
    '-o',
    'Compression=no',
    '-o',
    `ConnectTimeout=${Math.max(1, Math.round(o.connectTimeout))}`,
    ...(o.controlPath !== undefined
      ? [
          '-o',
          'ControlMaster=auto',
          '-o',
          `ControlPath=${absolutePath('controlPath', o.controlPath)}`,
          '-o',
          'ControlPersist=300',
        ]
      : []),
    '-o',
    'ServerAliveInterval=5',
    '-o',
    'ServerAliveCountMax=3',
    '-p',
    String(port),
    '-l',
    plainWord('user', o.user),
    plainWord('address', o.endpoint.address),
    ...words,
  ];
}

/** `sh -c 'exec "$@" < "$file"'`: runs `argv` with stdin from `file` (no quoting: passed as arguments). */
export function withStdinFromArgv(file: string, argv: readonly string[]): string[] {
  return ['sh', '-c', 'f=$1; shift; exec "$@" < "$f"', 'sh', absolutePath('file', file), ...argv];
}

/** `sh -c` that writes stdin to `file` with mode 0600 (umask 077), atomically (temp file + rename). */
export function writeSecretFileArgv(file: string): string[] {
  return ['sh', '-c', 'umask 077; cat > "$1.tmp" && mv -f "$1.tmp" "$1"', 'sh', absolutePath('file', file)];
}

/** `sh -c` that writes stdin to `file` with `mode` (octal text, e.g. `755`), atomically. */
export function writeFileArgv(file: string, mode: string): string[] {
  if (!/^[0-7]{3,4}$/.test(mode)) throw new InvalidInput('mode', mode, 'an octal mode like 644');
  return [
    'sh',
    '-c',
    'cat > "$1.tmp" && chmod "$2" "$1.tmp" && mv -f "$1.tmp" "$1"',
    'sh',
    absolutePath('file', file),
    mode,
  ];
}

/**
 * Appends `line` to the authorized_keys file `file` (relative paths are taken from the user's home),
 * creating its directory (0700) when missing.
 */
export function appendAuthorizedKeyArgv(file: string, line: string): string[] {
  if (line.includes('\n')) throw new InvalidInput('line', line, 'a single line');
  return [
    'sh',
    '-c',
    'cd && umask 077 && mkdir -p "$(dirname "$1")" && printf "%s\\n" "$2" >> "$1"',
    'sh',
    keysFile(file),
    line,
  ];
}

/**
 * Removes every line containing `marker` from the authorized_keys file `file`, atomically: the other lines
 * go to a new file beside it (a unique name, the old file's mode), which then replaces it with `mv`. A
 * failed write leaves the old file whole; grep's exit 1 (no line left) is not a failure, 2 is.
 */
export function removeAuthorizedKeyArgv(file: string, marker: string): string[] {
  plainWord('marker', marker);
  return [
    'sh',
    '-c',
    'cd && [ -f "$1" ] || exit 0; grep -q -F -- "$2" "$1" || exit 0; ' +
      't=$(mktemp "$1.ferry-XXXXXXXX") || exit 1; ' +
      '{ grep -v -F -- "$2" "$1" > "$t"; [ $? -le 1 ]; } && chmod --reference="$1" "$t" && mv -f -- "$t" "$1" || { rm -f -- "$t"; exit 1; }',
    'sh',
    keysFile(file),
    marker,
  ];
}

/**
 * Replaces the line containing `marker` in the authorized_keys file `file` by `line`, atomically (a new file
 * beside it, the old file's mode, `mv`). Exits 3, changing nothing, when no line holds the marker.
 */
export function replaceAuthorizedKeyArgv(file: string, marker: string, line: string): string[] {
  plainWord('marker', marker);
  if (line.includes('\n') || !line.includes(marker)) {
    throw new InvalidInput('line', line, 'a single line that carries the marker');
  }
  return [
    'sh',
    '-c',
    'cd && [ -f "$1" ] && grep -q -F -- "$2" "$1" || exit 3; ' +
      't=$(mktemp "$1.ferry-XXXXXXXX") || exit 1; ' +
      '{ { grep -v -F -- "$2" "$1"; [ $? -le 1 ]; } && printf "%s\\n" "$3"; } > "$t" && chmod --reference="$1" "$t" && mv -f -- "$t" "$1" || { rm -f -- "$t"; exit 1; }',
    'sh',
    keysFile(file),
    marker,
    line,
  ];
}

function keysFile(file: string): string {
  if (file === '' || file.includes('\0') || file.includes('..') || /\s/.test(file) || file.startsWith('-')) {
    throw new InvalidInput('authorizedKeysFile', file, 'a path without spaces or ".." (relative: from home)');
  }
  return file;
}

/** `ssh -S <control> -O exit <address>`: stops the shared connection's master (when there is one). */
export function closeMasterArgv(o: DirectSshOptions): string[] {
  if (o.controlPath === undefined) throw new InvalidInput('controlPath', undefined, 'a control socket path');
  return [
    'ssh',
    '-F',
    '/dev/null',
    '-S',
    absolutePath('controlPath', o.controlPath),
    '-O',
    'exit',
    plainWord('address', o.endpoint.address),
  ];
}
