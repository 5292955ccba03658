/**
 * The per-migration key line's `expiry-time`, against the real OpenSSH server: sshd accepts the key before
 * the time and refuses it after, so a line that a crash left behind stops working on its own; and its
 * `from=`: sshd accepts the key only from the address the line names.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authorizedKeyLine } from '../../../provider/engine/data-path/data-path-commands';
import { describeIntegration } from '../../support/describe-integration';
import { sshdMissing, startLocalSshd, type LocalSshd } from '../../support/local-sshd';

describeIntegration('authorized_keys expiry-time', [sshdMissing()], () => {
  let sshd: LocalSshd;
  let work: string;
  beforeAll(async () => {
    sshd = await startLocalSshd();
    work = mkdtempSync(join(tmpdir(), 'ferry-key-expiry-'));
    // the forced command of the line runs `sh <dir>/receive.sh`: here a receiver that says who it is
    writeFileSync(join(work, 'receive.sh'), 'echo receiver-ran\n');
  });
  afterAll(async () => {
    await sshd?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  /** Adds a line for a new key expiring at `expires`; resolves what `ssh` with that key printed and its exit code. */
  function tryKey(name: string, expires: Date, from?: string): { code: number | null; out: string } {
    const key = join(work, name);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    appendFileSync(
      join(sshd.dir, 'authorized_keys'),
      `${authorizedKeyLine(readFileSync(`${key}.pub`, 'utf8'), work, name, expires, from)}\n`,
    );
    const r = spawnSync(
      'ssh',
      [
        '-F', '/dev/null', '-i', key, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes',
        '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null',
        '-p', String(sshd.port), '-l', sshd.user, sshd.address, 'ignored',
      ],
      { encoding: 'utf8', timeout: 30_000 },
    ); // prettier-ignore
    return { code: r.status, out: `${r.stdout}${r.stderr}` };
  }

  it('accepts the key before its expiry time', () => {
    const r = tryKey('m-future', new Date(Date.now() + 3600_000));
    expect(r).toMatchObject({ code: 0 });
    expect(r.out).toContain('receiver-ran');
  });

  it('refuses it after (the line stays, the key does not work)', () => {
    const r = tryKey('m-past', new Date(Date.now() - 120_000));
    expect(r.code).toBe(255);
    expect(r.out).toMatch(/Permission denied/);
  });

  it('accepts the key from the address its from= names', () => {
    const r = tryKey('m-from-here', new Date(Date.now() + 3600_000), sshd.address);
    expect(r).toMatchObject({ code: 0 });
    expect(r.out).toContain('receiver-ran');
  });

  it('refuses it from any other address', () => {
    const r = tryKey('m-from-there', new Date(Date.now() + 3600_000), '198.51.100.7');
    expect(r.code).toBe(255);
    expect(r.out).toMatch(/Permission denied/);
  });
});
