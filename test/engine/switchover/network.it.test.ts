/**
 * A container on a user-defined network moves: the network (a local bridge) exists only on cluster-a, so
 * preflight makes it on cluster-b with the same driver and options, and the moved container is attached
 * to it with its alias, its port published on the new host.
 */
import { migrate } from '../../../provider/engine/migrate';
import { seconds } from '../../../provider/units';
import type { Testbed } from '../../../testbed';
import { bedAt50ms, connectBoth, copies, sleep, testDeps, type Hosts } from '../support';

jest.setTimeout(300_000);

let bed: Testbed;
let h: Hosts;
const NAME = `it-net-${process.pid}`;
const NET = `ferry-it-net-${process.pid}`;

async function dropNetwork(): Promise<void> {
  for (const host of [h.ha, h.hb])
    await host.shell.exec(['docker', '-H', `unix://${host.config.dockerSocket}`, 'network', 'rm', NET], {
      timeout: seconds(30),
    });
}

beforeAll(async () => {
  bed = await bedAt50ms();
  h = await connectBoth(bed);
});

afterAll(async () => {
  await h?.ha.runtime.remove(NAME, { force: true });
  await h?.hb.runtime.remove(NAME, { force: true });
  if (h) await dropNetwork();
  await h?.ha.close();
  await h?.hb.close();
});

it('creates the missing bridge network on the target and attaches the container with its alias', async () => {
  await h.ha.runtime.remove(NAME, { force: true });
  await h.hb.runtime.remove(NAME, { force: true });
  await dropNetwork();
  await h.ha.runtime.createNetwork({
    name: NET,
    driver: 'bridge',
    scope: 'local',
    options: { 'com.docker.network.bridge.enable_icc': 'true' },
    labels: { 'ferry.test': 'network' },
    internal: false,
  });
  expect(await h.hb.runtime.inspectNetwork(NET)).toBeUndefined();
  const id = await h.ha.runtime.create({
    name: NAME,
    image: 'ferry/dirtier:latest',
    cmd: ['sh', '-c', 'mkdir -p /www; echo hello > /www/n; exec httpd -f -p 0.0.0.0:8080 -h /www'],
    networks: [{ name: NET, aliases: ['web'] }],
    hostConfig: { networkMode: NET, ports: [{ internal: 8080, external: 8080, protocol: 'tcp' }] },
  });
  await h.ha.runtime.start(id);
  await sleep(500);
  expect((await h.ha.runtime.inspect(NAME))!.spec.networks).toEqual([{ name: NET, aliases: ['web'] }]);

  await migrate(
    { container: NAME, source: h.a, target: h.b, authorizedKeysFile: bed.paths.clientKeyPub },
    testDeps(),
  );
  expect(await copies(h.ha, NAME)).toEqual([]);
  const net = await h.hb.runtime.inspectNetwork(NET);
  expect(net).toMatchObject({
    driver: 'bridge',
    labels: { 'ferry.test': 'network' },
    options: { 'com.docker.network.bridge.enable_icc': 'true' },
  });
  const moved = await h.hb.runtime.inspect(NAME);
  expect(moved!.spec.networks).toEqual([{ name: NET, aliases: ['web'] }]);
  expect(moved!.spec.hostConfig?.networkMode).toBe(NET);
  const res = await fetch(`http://${h.b.host.address}:8080/n`, { signal: AbortSignal.timeout(3000) });
  expect((await res.text()).trim()).toBe('hello');
});
