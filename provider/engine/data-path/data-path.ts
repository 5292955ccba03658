/**
 * The data path between the two hosts. Direct (default): a per-migration SSH key pair; the private key goes
 * to the source's migration directory (0600), the public key is authorized on the target only for the
 * migration's receiver (`receive-script.ts`); the source then runs `ssh ... apply N < delta`. Relay
 * (fallback when the direct probe fails or is disabled): the controlling machine pipes the source's
 * `cat delta` into the target's receiver. Both paths end in the same receiver.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { CommandFailed, PrerequisiteMissing } from '../../errors';
import type { ConnectedHost } from '../../hosts/connect';
import { run } from '../../hosts/run';
import type { RemoteShell } from '../../hosts/remote-shell';
import { seconds, type Duration } from '../../units';
import {
  appendAuthorizedKeyArgv,
  closeMasterArgv,
  authorizedKeyLine,
  directSshArgv,
  keyComment,
  knownHostsLine,
  peerEndpoint,
  peerAddress,
  removeAuthorizedKeyArgv,
  replaceAuthorizedKeyArgv,
  withStdinFromArgv,
  writeSecretFileArgv,
  type DirectSshOptions,
} from './data-path-commands';
import { receiveScript } from './receive-script';
import { writeRemoteFile } from './remote';
import { SHORT_STEP } from '../timeouts';
import type { Clock, HostRef } from '../types';

/** Which path the images take. */
export type DataPathKind = 'direct' | 'relay';

/** A finished send. */
export interface SendResult {
  /** Seconds from the start of the send to its end (includes the SSH handshake on the direct path). */
  readonly duration: Duration;
  /** What the receiver printed on stderr (pagedelta's `applied` summary). */
  readonly stderr: string;
}

/** The data path of one migration. */
export interface DataPath {
  /** Which path is used. */
  readonly kind: DataPathKind;
  /** Why (e.g. the direct probe's error when relaying). */
  readonly reason: string;
  /** Sends the source file `file` to the target receiver with command `words` (see `receiveCommand`). */
  send(file: string, words: readonly string[], timeout: Duration): Promise<SendResult>;
  /** Source-side argv that reaches the receiver with `words` (direct path only). */
  directArgv(words: readonly string[]): string[] | undefined;
  /** Ends what the path keeps open (the shared SSH connection on the source). Best effort. */
  close(): Promise<void>;
}

/** Where things live for one migration. */
export interface DataPathSetup {
  /** Migration id. */
  readonly migrationId: string;
  /** Source host and its connection. */
  readonly source: HostRef;
  /** Target host and its connection. */
  readonly target: HostRef;
  /** Connected source. */
  readonly sourceHost: ConnectedHost;
  /** Connected target. */
  readonly targetHost: ConnectedHost;
  /** Migration directory on the source (exists). */
  readonly sourceDir: string;
  /** Migration directory on the target (exists). */
  readonly targetDir: string;
  /** pagedelta binary on the target. */
  readonly targetPagedelta: string;
  /** authorized_keys file on the target (relative: from the user's home). */
  readonly authorizedKeysFile: string;
  /** Skip the direct path. */
  readonly forceRelay: boolean;
  /** When sshd stops accepting the per-migration key (the line's `expiry-time`); none when absent. */
  readonly keyExpires?: Date;
  /** Clock. */
  readonly clock: Clock;
}

/** Default authorized_keys file (relative to the target user's home). */
export const DEFAULT_AUTHORIZED_KEYS = '.ssh/authorized_keys';

const execFileP = promisify(execFile);

/** Generates an ed25519 key pair with `ssh-keygen` on the controlling machine; the files are removed. */
export async function generateKeyPair(comment: string): Promise<{ privateKey: string; publicKey: string }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-key-'));
  try {
    const file = path.join(dir, 'key');
    try {
      await execFileP('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file], {
        timeout: 30_000,
      });
    } catch (e) {
      throw new PrerequisiteMissing('ssh-keygen', 'cannot generate the per-migration key', {
        hint: 'install openssh-client on the machine that runs Ferry',
        cause: e,
      });
    }
    return {
      privateKey: await fs.readFile(file, 'utf8'),
      publicKey: (await fs.readFile(`${file}.pub`, 'utf8')).trim(),
    };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/**
 * Installs the receiver (always: the relay uses it too), and unless `forceRelay` the key pair and the
 * authorized_keys line, then probes the direct path (`echo`). Returns the path to use.
 */
export async function setUpDataPath(s: DataPathSetup): Promise<DataPath> {
  const src = s.sourceHost.shell;
  const tgt = s.targetHost.shell;
  await writeRemoteFile(
    tgt,
    `${s.targetDir}/receive.sh`,
    receiveScript(s.targetDir, s.targetPagedelta),
    '644',
    SHORT_STEP,
  );
  const relay = relayPath(src, tgt, s.targetDir, s.clock);
  if (s.forceRelay) return { ...relay, reason: 'direct path disabled by request' };

  const keys = await generateKeyPair(keyComment(s.migrationId));
  const endpoint = peerEndpoint(s.source.host, s.target.cluster, s.target.host);
  const opts: DirectSshOptions = {
    keyFile: `${s.sourceDir}/id_ed25519`,
    knownHostsFile: `${s.sourceDir}/known_hosts`,
    endpoint,
    user: s.target.host.user,
    connectTimeout: 10,
    controlPath: `${s.sourceDir}/ssh-control`,
  };
  await run(src, writeSecretFileArgv(opts.keyFile), {
    timeout: SHORT_STEP,
    stdin: Buffer.from(keys.privateKey),
  });
  await writeRemoteFile(
    src,
    opts.knownHostsFile,
    `${knownHostsLine(endpoint, s.target.host.hostKey)}\n`,
    '644',
    SHORT_STEP,
  );
  const line = (from?: string): string =>
    authorizedKeyLine(keys.publicKey, s.targetDir, s.migrationId, s.keyExpires, from);
  await run(tgt, appendAuthorizedKeyArgv(s.authorizedKeysFile, line()), { timeout: SHORT_STEP });
  const direct = directPath(src, opts, s.clock);
  try {
    const r = await src.exec(directSshArgv(opts, ['echo']), {
      timeout: seconds(30),
      stdin: Buffer.from('ferry-probe\n'),
    });
    if (r.exitCode !== 0 || r.stdout.toString() !== 'ferry-probe\n') {
      throw new CommandFailed(directSshArgv(opts, ['echo']), r.exitCode, r.stderr, src.describe());
    }
    // The master connection is up and authenticated: narrow the key to the address the target saw it
    // come from, so that the key, if it leaked from the source's directory, works from nowhere else.
    const peer = await run(src, directSshArgv(opts, ['peer']), { timeout: seconds(30) });
    const narrowed = line(peerAddress(peer.stdout.toString('utf8')));
    await run(tgt, replaceAuthorizedKeyArgv(s.authorizedKeysFile, keyComment(s.migrationId), narrowed), {
      timeout: SHORT_STEP,
    });
  } catch (e) {
    await direct.close();
    const why = e instanceof Error ? e.message.split('\n').slice(0, 2).join(' ') : String(e);
    return { ...relay, reason: `direct probe to ${endpoint.address}:${endpoint.port} failed: ${why}` };
  }
  return { ...direct, reason: `direct ssh from ${s.source.cluster} to ${endpoint.address}:${endpoint.port}` };
}

/** Removes the per-migration authorized_keys line on the target (best effort is the caller's choice). */
export async function tearDownDataPath(
  target: RemoteShell,
  authorizedKeysFile: string,
  migrationId: string,
): Promise<void> {
  await run(target, removeAuthorizedKeyArgv(authorizedKeysFile, keyComment(migrationId)), {
    timeout: SHORT_STEP,
  });
}

function directPath(src: RemoteShell, opts: DirectSshOptions, clock: Clock): Omit<DataPath, 'reason'> {
  return {
    kind: 'direct',
    directArgv: (words) => directSshArgv(opts, words),
    async close() {
      await src.exec(closeMasterArgv(opts), { timeout: SHORT_STEP }).catch(() => undefined);
    },
    async send(file, words, timeout) {
      const t0 = clock.now();
      const r = await run(src, withStdinFromArgv(file, directSshArgv(opts, words)), { timeout });
      return { duration: seconds(clock.now() - t0), stderr: r.stderr };
    },
  };
}

function relayPath(
  src: RemoteShell,
  tgt: RemoteShell,
  targetDir: string,
  clock: Clock,
): Omit<DataPath, 'reason'> {
  return {
    kind: 'relay',
    directArgv: () => undefined,
    async close() {},
    async send(file, words, timeout) {
      const t0 = clock.now();
      const receiver = ['env', `SSH_ORIGINAL_COMMAND=${words.join(' ')}`, 'sh', `${targetDir}/receive.sh`];
      const tp = await tgt.spawn(receiver, { timeout });
      tp.stdout.resume();
      let sp;
      try {
        sp = await src.spawn(['cat', '--', file], { timeout });
      } catch (e) {
        await tp.kill();
        throw e;
      }
      sp.stdout.pipe(tp.stdin);
      const [se, te] = await Promise.all([sp.done, tp.done]);
      if (se.exitCode !== 0) throw new CommandFailed(['cat', file], se.exitCode, se.stderr, src.describe());
      if (te.exitCode !== 0) throw new CommandFailed(receiver, te.exitCode, te.stderr, tgt.describe());
      return { duration: seconds(clock.now() - t0), stderr: te.stderr };
    },
  };
}
