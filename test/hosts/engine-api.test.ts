import {
  labelFilters,
  parentDir,
  parseLoadOutput,
  restartPolicyBody,
  restartPolicyText,
  toContainerInfo,
  toCreateBody,
  toEngineVersion,
  toFsChanges,
  toState,
  toSummary,
  type RawInspect,
} from '../../provider/hosts/engine-api';

const inspect: RawInspect = {
  Id: 'f'.repeat(64),
  Name: '/web-1',
  Image: 'sha256:abc',
  Created: '2026-01-01T00:00:00Z',
  State: { Status: 'running', Pid: 4242, ExitCode: 0, StartedAt: '2026-01-01T00:00:01Z' },
  Config: {
    Image: 'busybox:latest',
    Cmd: ['sh', '-c', 'sleep 1000'],
    Entrypoint: null,
    Env: ['PATH=/bin', 'A=b c'],
    Labels: { 'ferry.migration': 'm1' },
    WorkingDir: '/srv',
    User: '',
    Hostname: 'ffffffffffff',
    Tty: false,
    OpenStdin: false,
  },
  HostConfig: {
    Memory: 268435456,
    NanoCpus: 1500000000,
    CpuShares: 0,
    NetworkMode: 'none',
    RestartPolicy: { Name: 'no' },
    Binds: ['/data:/data:ro'],
    Tmpfs: null,
    SecurityOpt: null,
    Init: null,
  },
  Mounts: [
    { Type: 'bind', Source: '/data', Destination: '/data', RW: false },
    {
      Type: 'volume',
      Name: 'vol1',
      Source: '/var/lib/docker/volumes/vol1/_data',
      Destination: '/v',
      RW: true,
    },
  ],
  GraphDriver: { Name: 'overlay2', Data: { UpperDir: '/var/lib/docker/overlay2/x/diff' } },
};

describe('toContainerInfo', () => {
  it('maps inspect JSON to plain data', () => {
    const info = toContainerInfo(inspect);
    expect(info).toMatchObject({
      id: 'f'.repeat(64),
      name: 'web-1',
      image: 'busybox:latest',
      imageId: 'sha256:abc',
      state: 'running',
      pid: 4242,
      labels: { 'ferry.migration': 'm1' },
      graphDriver: { name: 'overlay2', data: { UpperDir: '/var/lib/docker/overlay2/x/diff' } },
    });
    expect(info.mounts).toEqual([
      { type: 'bind', source: '/data', target: '/data', readOnly: true },
      { type: 'volume', source: 'vol1', target: '/v', readOnly: false },
    ]);
    expect(info.spec).toEqual({
      name: 'web-1',
      image: 'busybox:latest',
      cmd: ['sh', '-c', 'sleep 1000'],
      env: ['PATH=/bin', 'A=b c'],
      labels: { 'ferry.migration': 'm1' },
      workingDir: '/srv',
      hostname: 'ffffffffffff',
      hostConfig: {
        memory: 268435456,
        nanoCpus: 1500000000,
        networkMode: 'none',
        restartPolicy: 'no',
        binds: ['/data:/data:ro'],
      },
    });
  });

  it('copes with a minimal inspect', () => {
    const info = toContainerInfo({ Id: 'x' });
    expect(info).toMatchObject({ id: 'x', name: '', state: 'dead', pid: 0, labels: {}, mounts: [] });
  });

  it('turns a spec back into the create body that recreates the container', () => {
    const body = toCreateBody(toContainerInfo(inspect).spec);
    expect(body).toEqual({
      Image: 'busybox:latest',
      Cmd: ['sh', '-c', 'sleep 1000'],
      Env: ['PATH=/bin', 'A=b c'],
      Labels: { 'ferry.migration': 'm1' },
      WorkingDir: '/srv',
      Hostname: 'ffffffffffff',
      HostConfig: {
        Memory: 268435456,
        NanoCpus: 1500000000,
        NetworkMode: 'none',
        RestartPolicy: { Name: 'no' },
        Binds: ['/data:/data:ro'],
      },
    });
  });
});

describe('small mappings', () => {
  it.each([
    [{ Version: '20.10.24', ApiVersion: '1.41', Experimental: true }, true],
    [{ Version: '26.1.5', Experimental: 'true' }, true],
    [{ Version: '26.1.5' }, false],
  ])('reads experimental from %j', (raw, experimental) => {
    expect(toEngineVersion(raw).experimental).toBe(experimental);
  });

  it.each(['running', 'exited', 'paused', 'created'] as const)('keeps state %s', (s) => {
    expect(toState(s)).toBe(s);
  });

  it('maps unknown states to dead', () => {
    expect(toState('weird')).toBe('dead');
  });

  it('maps summaries, changes, filters, load output and parent dirs', () => {
    expect(toSummary({ Id: 'i', Names: ['/n'], Image: 'img', State: 'exited', Labels: null })).toEqual({
      id: 'i',
      name: 'n',
      image: 'img',
      state: 'exited',
      labels: {},
    });
    expect(
      toFsChanges([
        { Path: '/a', Kind: 0 },
        { Path: '/b', Kind: 1 },
        { Path: '/c', Kind: 2 },
      ]),
    ).toEqual([
      { path: '/a', kind: 'changed' },
      { path: '/b', kind: 'added' },
      { path: '/c', kind: 'deleted' },
    ]);
    expect(toFsChanges(null)).toEqual([]);
    // An empty diff as docker-modem may hand it over: the unparsed body `null`.
    expect(toFsChanges(Buffer.from('null\n'))).toEqual([]);
    expect(toFsChanges('[{"Path":"/d","Kind":1}]')).toEqual([{ path: '/d', kind: 'added' }]);
    expect(labelFilters({ a: 'b', c: undefined })).toBe('{"label":["a=b","c"]}');
    expect(labelFilters()).toBe('{}');
    expect(
      parseLoadOutput(
        '{"stream":"Loaded image: busybox:latest\\n"}\n{"stream":"Loaded image ID: sha256:ab\\n"}\n',
      ),
    ).toEqual(['busybox:latest', 'sha256:ab']);
    expect(() => parseLoadOutput('{"error":"bad tar"}')).toThrow('bad tar');
    expect([parentDir('/a/b'), parentDir('/a'), parentDir('/a/b/'), parentDir('/')]).toEqual([
      '/a',
      '/',
      '/a',
      '/',
    ]);
  });
});

describe('restart policies', () => {
  it.each<[{ Name?: string; MaximumRetryCount?: number } | undefined, string | undefined]>([
    [undefined, undefined],
    [{ Name: '' }, undefined],
    [{ Name: 'no' }, 'no'],
    [{ Name: 'always', MaximumRetryCount: 0 }, 'always'],
    [{ Name: 'unless-stopped' }, 'unless-stopped'],
    [{ Name: 'on-failure', MaximumRetryCount: 0 }, 'on-failure'],
    [{ Name: 'on-failure', MaximumRetryCount: 5 }, 'on-failure:5'],
  ])('%j reads as %s, and writes back the same', (raw, text) => {
    expect(restartPolicyText(raw)).toBe(text);
    if (text !== undefined) expect(restartPolicyText(restartPolicyBody(text))).toBe(text);
  });

  it('writes on-failure:N with its retry count', () => {
    expect(restartPolicyBody('on-failure:3')).toEqual({ Name: 'on-failure', MaximumRetryCount: 3 });
    expect(restartPolicyBody('always')).toEqual({ Name: 'always' });
  });
});
