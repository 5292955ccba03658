import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { InvalidInput } from '../../../provider/errors';
import { removeCtrdArgv, removeCtrdCopiesOfArgv } from '../../../provider/engine/data-path/remote';

describe('containerd copy cleanup', () => {
  it('removes only the unpacked copies of the given checkpoint (by its nonce)', () => {
    const name = `ferry-unit-${process.pid}`;
    const dirs = ['a', 'b', 'c'].map((x) => `/tmp/ctrd-checkpointUNIT${process.pid}${x}`);
    try {
      dirs.forEach((d) => fs.mkdirSync(d));
      fs.writeFileSync(`${dirs[0]}/ferry-nonce`, `${name}.1234-abcd\n`);
      fs.writeFileSync(`${dirs[1]}/ferry-nonce`, `${name}x.1234-abcd\n`);
      const argv = removeCtrdCopiesOfArgv(name, 'ferry-nonce');
      execFileSync(argv[0]!, argv.slice(1));
      expect(dirs.map((d) => fs.existsSync(d))).toEqual([false, true, true]);
    } finally {
      dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
    }
  });

  it.each([['a b'], ['$(id)'], ['x/y']])('refuses checkpoint name %j', (n) =>
    expect(() => removeCtrdCopiesOfArgv(n, 'ferry-nonce')).toThrow(InvalidInput),
  );

  it('removes listed copies only when their names look like containerd copies', () => {
    expect(removeCtrdArgv(['ctrd-checkpoint123', '../etc', 'ctrd-checkpoint/../x'])).toEqual([
      'rm',
      '-rf',
      '--',
      '/tmp/ctrd-checkpoint123',
    ]);
  });
});
