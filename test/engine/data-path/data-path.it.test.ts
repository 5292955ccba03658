/**
 * The direct data path on the bed: once the source's shared connection is up, the per-migration key line on
 * the target is narrowed to `from="<the address the target saw>"`, so the same private key, used from any
 * other address, is refused, while the migration's own path keeps working.
 */
import { randomBytes } from 'node:crypto';
import { setUpDataPath, tearDownDataPath } from '../../../provider/engine/data-path/data-path';
import { keyComment } from '../../../provider/engine/data-path/data-path-commands';
import { runText } from '../../../provider/hosts/run';
import { seconds } from '../../../provider/units';
import { systemClock } from '../../../provider/engine/types';
import type { Testbed } from '../../../testbed';
import { bedAt50ms, connectBoth, type Hosts } from '../support';

jest.setTimeout(120_000);

let bed: Testbed;
let h: Hosts;
const ID = `it-dp-${randomBytes(4).toString('hex')}`;
const SRC = `/tmp/ferry-${ID}-src`;
const TGT = `/tmp/ferry-${ID}-tgt`;

beforeAll(async () => {
  bed = await bedAt50ms();
  h = await connectBoth(bed);
  await runText(h.ha.shell, ['mkdir', '-m', '700', SRC], { timeout: seconds(10) });
  await runText(h.hb.shell, ['mkdir', '-m', '700', TGT], { timeout: seconds(10) });
});

afterAll(async () => {
  await h?.ha.shell.exec(['rm', '-rf', SRC], { timeout: seconds(10) });
  await h?.hb.shell.exec(['rm', '-rf', TGT], { timeout: seconds(10) });
  await h?.ha.close();
  await h?.hb.close();
});

it('narrows the key to the source address; the key works from there and nowhere else', async () => {
  const keysFile = bed.paths.clientKeyPub;
  const path = await setUpDataPath({
    migrationId: ID,
    source: h.a,
    target: h.b,
    sourceHost: h.ha,
    targetHost: h.hb,
    sourceDir: SRC,
    targetDir: TGT,
    targetPagedelta: '/bin/false',
    authorizedKeysFile: keysFile,
    forceRelay: false,
    keyExpires: new Date(Date.now() + 3600_000),
    clock: systemClock,
  });
  try {
    expect(path.kind).toBe('direct');
    const line = (
      await runText(h.hb.shell, ['grep', '-F', keyComment(ID), keysFile], { timeout: seconds(10) })
    )
      .trim()
      .split('\n');
    expect(line).toHaveLength(1);
    const from = /from="([^"]+)"/.exec(line[0]!)?.[1];
    expect(from).toMatch(/^198\.1[89]\.\d+\.\d+$/);

    // The migration's own connection goes on working (a new session over the shared connection).
    const argv = path.directArgv(['echo'])!;
    const echo = await h.ha.shell.exec(argv, { timeout: seconds(30), stdin: Buffer.from('again\n') });
    expect({ code: echo.exitCode, out: echo.stdout.toString() }).toEqual({ code: 0, out: 'again\n' });

    // The same key from the cluster's other side: the target itself dials its own sshd, from another address,
    // without the shared connection.
    const key = await runText(h.ha.shell, ['cat', `${SRC}/id_ed25519`], { timeout: seconds(10) });
    const stolen = `${TGT}/stolen-key`;
    await h.hb.shell.exec(['sh', '-c', 'umask 077; cat > "$1"', 'sh', stolen], {
      timeout: seconds(10),
      stdin: Buffer.from(key),
    });
    const r = await h.hb.shell.exec(
      [
        'ssh', '-F', '/dev/null', '-i', stolen, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes',
        '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'ConnectTimeout=10',
        '-l', h.b.host.user, '-p', String(h.b.host.port), h.b.host.address, 'echo',
      ],
      { timeout: seconds(30) },
    ); // prettier-ignore
    expect(r.exitCode).toBe(255);
    expect(r.stderr).toMatch(/Permission denied/);
  } finally {
    await path.close();
    await tearDownDataPath(h.hb.shell, keysFile, ID);
  }
});
