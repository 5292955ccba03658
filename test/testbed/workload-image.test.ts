import * as path from 'node:path';
import {
  GCC_FLAGS,
  buildHash,
  compileArgv,
  findRepoRoot,
  imageName,
  importArgs,
  needsCompile,
} from '../../testbed/workload-image';
import {
  busyboxLinks,
  classifyInspectError,
  dockerArgv,
  inspectIdArgs,
  isStaticElf,
  planDistribution,
} from '../../testbed/images';
import { PrerequisiteMissing } from '../../provider/errors';

describe('build hash and cache decision', () => {
  it('is stable, hex, and changes with the source or the flags', () => {
    const h = buildHash('int main(){}');
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(buildHash(Buffer.from('int main(){}'))).toBe(h);
    expect(buildHash('int main(){ }')).not.toBe(h);
    expect(buildHash('int main(){}', [...GCC_FLAGS, '-g'])).not.toBe(h);
  });

  it('names the image after the first 12 hex digits', () => {
    expect(imageName('0123456789abcdef'.repeat(4))).toBe('ferry/dirtier:0123456789ab');
  });

  it('compiles only when the cached binary is missing, empty or not executable', () => {
    expect(needsCompile(undefined)).toBe(true);
    expect(needsCompile({ size: 0, mode: 0o100755 })).toBe(true);
    expect(needsCompile({ size: 800_000, mode: 0o100644 })).toBe(true);
    expect(needsCompile({ size: 800_000, mode: 0o100755 })).toBe(false);
  });
});

describe('argument vectors', () => {
  it('compiles statically with -O2', () => {
    expect(compileArgv('/r/workloads/dirtier.c', '/c/out')).toEqual([
      'gcc', '-static', '-O2', '-Wall', '-Wextra', '-o', '/c/out', '/r/workloads/dirtier.c',
    ]); // prettier-ignore
  });

  it('addresses the engine by its unix socket, with or without the scheme', () => {
    expect(dockerArgv('/run/a.sock', ['ps'])).toEqual(['-H', 'unix:///run/a.sock', 'ps']);
    expect(dockerArgv('unix:///run/a.sock', ['ps'])).toEqual(['-H', 'unix:///run/a.sock', 'ps']);
  });

  it('imports with PATH and CMD set, one argument per element (no shell quoting)', () => {
    const argv = importArgs('/w/rootfs.tar', 'ferry/dirtier:abc', 'abcdef');
    expect(argv[0]).toBe('import');
    expect(argv.slice(-2)).toEqual(['/w/rootfs.tar', 'ferry/dirtier:abc']);
    const changes = argv.flatMap((a, i) => (argv[i - 1] === '--change' ? [a] : []));
    expect(changes).toEqual([
      'ENV PATH=/bin:/usr/bin:/usr/local/bin',
      'CMD ["/bin/dirtier"]',
      'LABEL ferry.workload-hash=abcdef',
    ]);
  });

  it('inspects only the ID', () => {
    expect(inspectIdArgs('ferry/dirtier:x')).toEqual([
      'image',
      'inspect',
      '--format',
      '{{.Id}}',
      'ferry/dirtier:x',
    ]);
  });
});

describe('classifyInspectError', () => {
  it.each([
    ['Error: No such image: ferry/dirtier:abc', 'absent'],
    ['Error response from daemon: No such object: ferry/dirtier:abc', 'absent'],
    ['Cannot connect to the Docker daemon at unix:///x.sock. Is the docker daemon running?', 'unreachable'],
    ['permission denied while trying to connect', 'error'],
  ] as const)('%s -> %s', (stderr, kind) => expect(classifyInspectError(stderr)).toBe(kind));
});

describe('planDistribution', () => {
  it('imports into engine 0 and loads everywhere else when nobody has the image', () => {
    expect(planDistribution([undefined, undefined, undefined])).toEqual({ load: [1, 2] });
  });
  it('does nothing when all engines have the same ID', () => {
    expect(planDistribution(['sha256:a', 'sha256:a'])).toEqual({ source: 0, load: [] });
  });
  it('prefers engine 0 as the source and replaces diverging IDs', () => {
    expect(planDistribution(['sha256:a', undefined, 'sha256:b', 'sha256:a'])).toEqual({
      source: 0,
      load: [1, 2],
    });
  });
  it('copies from another engine when engine 0 lacks the image', () => {
    expect(planDistribution([undefined, 'sha256:b', undefined])).toEqual({ source: 1, load: [0, 2] });
  });
});

describe('busyboxLinks', () => {
  it('links applets relatively to /bin/busybox and skips busybox itself and odd entries', () => {
    const links = busyboxLinks('bin/sh\nusr/bin/[\nsbin/init\nbin/busybox\n\n/usr/sbin/chroot\n../etc/x\n');
    expect(links).toEqual([
      ['bin/sh', 'busybox'],
      ['usr/bin/[', '../../bin/busybox'],
      ['sbin/init', '../bin/busybox'],
      ['usr/sbin/chroot', '../../bin/busybox'],
    ]);
  });
});

describe('isStaticElf', () => {
  /** A minimal 64-bit little-endian ELF header with the given program header types. */
  function elf(types: number[]): Buffer {
    const b = Buffer.alloc(64 + 56 * types.length);
    b.writeUInt32BE(0x7f454c46, 0);
    b[4] = 2; // ELFCLASS64
    b[5] = 1; // little-endian
    b.writeBigUInt64LE(64n, 0x20);
    b.writeUInt16LE(56, 0x36);
    b.writeUInt16LE(types.length, 0x38);
    types.forEach((t, i) => b.writeUInt32LE(t, 64 + 56 * i));
    return b;
  }
  it('accepts an ELF without PT_INTERP and rejects one with it', () => {
    expect(isStaticElf(elf([6, 1, 1, 4]))).toBe(true);
    expect(isStaticElf(elf([6, 3, 1]))).toBe(false);
  });
  it('rejects non-ELF, 32-bit and truncated input', () => {
    expect(isStaticElf(Buffer.from('#!/bin/sh\necho hi\n'.padEnd(80)))).toBe(false);
    const e32 = elf([1]);
    e32[4] = 1;
    expect(isStaticElf(e32)).toBe(false);
    expect(isStaticElf(elf([1, 1]).subarray(0, 100))).toBe(false);
  });
});

describe('findRepoRoot', () => {
  const repo = path.resolve('/x/ferry');
  const files = new Set([path.join(repo, 'package.json'), path.join(repo, 'workloads', 'dirtier.c')]);
  const exists = (p: string): boolean => files.has(p);
  it('walks up from ts sources and from dist/', () => {
    expect(findRepoRoot(path.join(repo, 'provider', 'testbed'), exists)).toBe(repo);
    expect(findRepoRoot(path.join(repo, 'dist', 'provider', 'testbed'), exists)).toBe(repo);
  });
  it('fails with PrerequisiteMissing outside a checkout', () => {
    expect(() => findRepoRoot('/elsewhere/deep/dir', exists)).toThrow(PrerequisiteMissing);
  });
});
