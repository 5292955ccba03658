import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidInput } from '../../../provider/errors';
import {
  NONCE_FILE,
  pagesBackArgv,
  pagesByReferenceArgv,
  pagesDirFor,
  pagesNonce,
  placeImagesArgv,
} from '../../../provider/engine/switchover/restore';

const run = (argv: string[]): void => {
  execFileSync(argv[0]!, argv.slice(1));
};

describe('restore argv builders', () => {
  it('names the pages dir after the checkpoint, the container and a nonce nobody can guess', () => {
    expect(pagesDirFor('ferry-m1', 'ab'.repeat(32), '0123abcd')).toBe(
      '/tmp/ferry-pages-ferry-m1-abababababab-0123abcd',
    );
    expect(pagesNonce()).toMatch(/^[0-9a-f]{16}$/);
    expect(pagesNonce()).not.toBe(pagesNonce());
    expect(() => pagesDirFor('ferry-m1', 'ab', '')).toThrow(InvalidInput);
  });

  it("refuses a pages dir that exists already (it could be anyone's), and creates its own 0700", () => {
    const root = fs.mkdtempSync('/tmp/ferry-pages-unit-');
    const pages = `/tmp/ferry-pages-unit-${process.pid}-taken`;
    try {
      fs.mkdirSync(pages);
      expect(() => run(pagesByReferenceArgv(root, pages))).toThrow();
      fs.rmdirSync(pages);
      run(pagesByReferenceArgv(root, pages));
      expect(fs.statSync(pages).mode & 0o777).toBe(0o700);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
      fs.rmSync(pages, { recursive: true, force: true });
    }
  });

  it.each([['/tmp/x'], ['/var/ferry-pages-x'], ['/tmp/ferry-pages-a/b'], ['/tmp/ferry-pages-..']])(
    'refuses pages dir %j',
    (d) => expect(() => pagesByReferenceArgv('/d', d)).toThrow(InvalidInput),
  );

  it('refuses a nonce that is not hex', () =>
    expect(() => placeImagesArgv('/a', '/b', '$(id)')).toThrow(InvalidInput));

  it('moves pages out, leaves relative links, places the rest with a nonce, and can undo it', () => {
    const root = fs.mkdtempSync('/tmp/ferry-pages-unit-');
    const round = path.join(root, 'rounds', '3');
    const ckpt = path.join(root, 'containers', 'c', 'checkpoints', 'ferry-m1');
    const pages = `/tmp/ferry-pages-unit-${process.pid}`;
    try {
      fs.mkdirSync(round, { recursive: true });
      fs.writeFileSync(path.join(round, 'pages-1.img'), 'PAGES');
      fs.writeFileSync(path.join(round, 'inventory.img'), 'INV');
      run(pagesByReferenceArgv(round, pages));
      expect(fs.readlinkSync(path.join(round, 'pages-1.img'))).toBe(`../${path.basename(pages)}/pages-1.img`);
      expect(fs.readFileSync(path.join(pages, 'pages-1.img'), 'utf8')).toBe('PAGES');
      run(placeImagesArgv(round, ckpt, 'ferry-m1.0123abcd-ef'));
      expect(fs.existsSync(round)).toBe(false);
      expect(fs.readFileSync(path.join(ckpt, NONCE_FILE), 'utf8')).toBe('ferry-m1.0123abcd-ef\n');
      expect(fs.readFileSync(path.join(ckpt, 'inventory.img'), 'utf8')).toBe('INV');
      run(pagesBackArgv(ckpt, pages));
      expect(fs.lstatSync(path.join(ckpt, 'pages-1.img')).isFile()).toBe(true);
      expect(fs.readFileSync(path.join(ckpt, 'pages-1.img'), 'utf8')).toBe('PAGES');
      expect(fs.existsSync(pages)).toBe(false);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
      fs.rmSync(pages, { recursive: true, force: true });
    }
  });

  it('refuses to place over an existing checkpoint', () => {
    const root = fs.mkdtempSync('/tmp/ferry-place-unit-');
    try {
      fs.mkdirSync(path.join(root, 'a'));
      fs.mkdirSync(path.join(root, 'b'));
      expect(() => run(placeImagesArgv(path.join(root, 'a'), path.join(root, 'b'), 'abcdef01'))).toThrow();
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
