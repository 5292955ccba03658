import fc from 'fast-check';
import { commandWithPidPreamble, killProcessGroupArgv, PidPreamble } from '../../provider/hosts/pid-preamble';

/** Feeds `text` split at `cuts` and returns [pid, stderr as seen by the user]. */
function feed(text: string, cuts: number[]): [number | undefined, string] {
  const buf = Buffer.from(text);
  const p = new PidPreamble();
  const out: Buffer[] = [];
  let last = 0;
  for (const c of [...new Set(cuts.map((x) => x % (buf.length + 1)))].sort((a, b) => a - b)) {
    out.push(p.push(buf.subarray(last, c)));
    last = c;
  }
  out.push(p.push(buf.subarray(last)), p.end());
  return [p.pid, Buffer.concat(out).toString()];
}

describe('PidPreamble', () => {
  it('builds the remote command line', () => {
    expect(commandWithPidPreamble(['tar', '-C', '/a b', '-cf', '-'])).toBe(
      "echo ferry-pid:$$ >&2; exec tar -C '/a b' -cf -",
    );
  });

  it('takes the PID line out and keeps everything else, however the stream is chunked (property)', () => {
    const line = fc
      .string({ unit: fc.constantFrom('a', ' ', ':', '1', 'é'), maxLength: 20 })
      .map((s) => `${s}\n`);
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 3 }),
        fc.integer({ min: 2, max: 4_000_000 }),
        fc.string({ maxLength: 50 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (noise, pid, rest, cuts) => {
          const [got, stderr] = feed(`${noise.join('')}ferry-pid:${pid}\n${rest}`, cuts);
          expect(got).toBe(pid);
          expect(stderr).toBe(noise.join('') + rest);
        },
      ),
    );
  });

  it('passes everything through when the marker never comes', () => {
    expect(feed('no marker here', [3])).toEqual([undefined, 'no marker here']);
    expect(feed('line\nferry-pid:x\n', [])).toEqual([undefined, 'line\nferry-pid:x\n']);
  });

  it('gives up holding back after 4 KiB without a newline', () => {
    const p = new PidPreamble();
    const big = Buffer.alloc(5000, 'x');
    expect(p.push(big)).toEqual(big);
    expect(p.push(Buffer.from('ferry-pid:5\n')).toString()).toBe('ferry-pid:5\n');
    expect(p.pid).toBeUndefined();
  });

  it.each([0, 1, -3, 1.5])('refuses to kill process group %p', (pgid) => {
    expect(() => killProcessGroupArgv(pgid)).toThrow(RangeError);
  });

  it('kills a process group with SIGKILL', () => {
    expect(killProcessGroupArgv(4242)).toEqual(['kill', '-KILL', '--', '-4242']);
  });
});
