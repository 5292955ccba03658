import {
  countEstablished,
  networkToCreate,
  parseCpuFlags,
  parseListening,
  runcConfHasTcpClose,
  parseVmRss,
  preflightProblems,
  type ContainerFacts,
  type HostFacts,
} from '../../../provider/engine/preflight/preflight-checks';
import { gib, mib } from '../../../provider/units';

const host = (label: string, o: Partial<HostFacts> = {}): HostFacts => ({
  label,
  criuVersion: '4.1.1',
  criuCheck: true,
  dirtyTracking: false,
  uffd: true,
  runcVersion: 'runc version 1.1.5',
  engineVersion: '20.10.24',
  experimental: true,
  kernel: '6.18',
  cgroupFs: 'tmpfs',
  cpuFlags: ['fpu', 'sse2', 'avx2'],
  freeDisk: gib(10),
  tcpClose: true,
  ...o,
});
const ctr = (o: Partial<ContainerFacts> = {}): ContainerFacts => ({
  state: 'running',
  establishedTcp: 0,
  missingBindSources: [],
  nameTakenOnTarget: false,
  memoryEstimate: mib(256),
  carryProblems: [],
  networks: [],
  networkMode: 'bridge',
  ports: [],
  listeningOnTarget: new Set(),
  ...o,
});

describe('preflightProblems', () => {
  it('passes a healthy pair', () => expect(preflightProblems(host('a'), host('b'), ctr())).toEqual([]));

  it.each<[string, HostFacts, HostFacts, ContainerFacts, RegExp]>([
    ['criu missing', host('a', { criuVersion: undefined }), host('b'), ctr(), /a: criu is missing/],
    ['criu check fails', host('a'), host('b', { criuCheck: false }), ctr(), /b: `criu check` fails/],
    ['no experimental', host('a'), host('b', { experimental: false }), ctr(), /experimental/],
    ['engine down', host('a', { engineVersion: undefined }), host('b'), ctr(), /does not answer/],
    ['cgroup differs', host('a'), host('b', { cgroupFs: 'cgroup2fs' }), ctr(), /cgroup versions differ/],
    [
      'cpu lacks avx2',
      host('a'),
      host('b', { cpuFlags: ['fpu', 'sse2'] }),
      ctr(),
      /lacks CPU features .*avx2/,
    ],
    ['stopped container', host('a'), host('b'), ctr({ state: 'exited' }), /is exited, not running/],
    [
      'tcp without tcp-close',
      host('a', { tcpClose: false }),
      host('b', { tcpClose: false }),
      ctr({ establishedTcp: 2 }),
      /2 established TCP connection\(s\), and \/etc\/criu\/runc.conf on the hosts lacks tcp-close/,
    ],
    [
      'tcp-close on one host only',
      host('a'),
      host('b', { tcpClose: false }),
      ctr(),
      /runc.conf says tcp-close on a only/,
    ],
    ['bind', host('a'), host('b'), ctr({ missingBindSources: ['/srv/x'] }), /\/srv\/x does not exist/],
    ['name taken', host('a'), host('b'), ctr({ nameTakenOnTarget: true }), /same name exists/],
    ['disk', host('a'), host('b', { freeDisk: mib(100) }), ctr(), /b has 100.0 MiB free/],
    [
      'a setting that cannot be carried',
      host('a'),
      host('b'),
      ctr({
        carryProblems: [{ field: 'HostConfig.Privileged', value: 'true', why: 'holds the host devices' }],
      }),
      /HostConfig\.Privileged \(true\) cannot be carried: holds the host devices/,
    ],
    ['host network', host('a'), host('b'), ctr({ networkMode: 'host' }), /network mode is host/],
    [
      'an overlay network missing on the target',
      host('a'),
      host('b'),
      ctr({
        networks: [
          {
            name: 'mesh',
            source: {
              name: 'mesh',
              driver: 'overlay',
              scope: 'swarm',
              options: {},
              labels: {},
              internal: false,
            },
            onTarget: false,
          },
        ],
      }),
      /network mesh \(driver overlay, scope swarm\) does not exist on b/,
    ],
    [
      'container network',
      host('a'),
      host('b'),
      ctr({ networkMode: 'container:abc' }),
      /network mode is container:abc/,
    ],
    [
      'port taken on the target',
      host('a'),
      host('b'),
      ctr({
        ports: [{ internal: 6379, external: 6379, protocol: 'tcp' }],
        listeningOnTarget: new Set(['22/tcp', '6379/tcp']),
      }),
      /port 6379\/tcp is already in use on b/,
    ],
    [
      'ports unknown on the target',
      host('a'),
      host('b'),
      ctr({ ports: [{ internal: 53, external: 53, protocol: 'udp' }], listeningOnTarget: undefined }),
      /cannot tell whether the container's ports are free on b/,
    ],
  ])('%s', (_n, a, b, c, re) => {
    const p = preflightProblems(a, b, c);
    expect(p.map((x) => x.what).join('\n')).toMatch(re);
    expect(p.every((x) => x.fix.length > 0)).toBe(true);
  });

  it('counts established connections only', () => {
    const tcp = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1',
      '   1: 0100007F:1F90 0100007F:A000 01 00000000:00000000 00:00000000 00000000     0        0 2',
      '   2: 0100007F:1F91 0100007F:A001 01 00000000:00000000 00:00000000 00000000     0        0 3',
    ].join('\n');
    expect(countEstablished(tcp)).toBe(2);
    expect(countEstablished('')).toBe(0);
  });

  it('parses cpu flags and VmRSS', () => {
    expect(parseCpuFlags('processor: 0\nflags\t\t: fpu vme sse2\n')).toEqual(['fpu', 'vme', 'sse2']);
    expect(parseVmRss('Name: x\nVmRSS:\t  2048 kB\n')).toBe(2048 * 1024);
    expect(parseVmRss('')).toBe(0);
  });
});

describe('runcConfHasTcpClose', () => {
  it.each<[string, boolean]>([
    ['tcp-close\n', true],
    ['# Ferry\nlog-level 4\n  tcp-close  # close client connections\n', true],
    ['--tcp-close', true],
    ['# tcp-close\n', false],
    ['tcp-established\n', false],
    ['', false],
  ])('%j -> %s', (text, yes) => expect(runcConfHasTcpClose(text)).toBe(yes));
});

describe('parseListening', () => {
  it('reads listening TCP and bound UDP ports from ss', () => {
    const out = [
      'tcp   LISTEN 0      4096         0.0.0.0:6379       0.0.0.0:*',
      'tcp   LISTEN 0      128             [::]:22            [::]:*',
      'udp   UNCONN 0      0          127.0.0.1:5353       0.0.0.0:*',
      '',
    ].join('\n');
    expect([...parseListening(out)].sort()).toEqual(['22/tcp', '5353/udp', '6379/tcp']);
  });
});

describe('networkToCreate', () => {
  const net = (driver: string, scope = 'local') => ({
    name: 'appnet',
    driver,
    scope,
    options: {},
    labels: {},
    internal: false,
  });
  it.each<[string, Parameters<typeof networkToCreate>[0], boolean]>([
    ['a local bridge the target lacks', { name: 'appnet', source: net('bridge'), onTarget: false }, true],
    ['one the target has', { name: 'appnet', source: net('bridge'), onTarget: true }, false],
    ['macvlan', { name: 'appnet', source: net('macvlan'), onTarget: false }, false],
    ['overlay', { name: 'appnet', source: net('overlay', 'swarm'), onTarget: false }, false],
    ['gone on the source', { name: 'appnet', source: undefined, onTarget: false }, false],
  ])('%s: %s', (_, n, yes) => expect(networkToCreate(n)).toBe(yes));
});
