/**
 * The roll back of a tracked final dump, driven through the REAL `rollBack()` against the strict scripted
 * fakes of fake-shell.ts: the dump is flattened (its `parent` link resolved) before the source restores it.
 */
import { removeAuthorizedKeyArgv } from '../../../provider/engine/data-path/data-path-commands';
import { removeCtrdCopiesOfArgv } from '../../../provider/engine/data-path/remote';
import {
  NONCE_FILE,
  pagesByReferenceArgv,
  removePagesDirsArgv,
} from '../../../provider/engine/switchover/restore';
import { closeControlMasterArgv, controlSocketOf } from '../../../provider/engine/rollback/cleanup-steps';
import { rollBack } from '../../../provider/engine/rollback/rollback';
import { fakeJournal } from '../fake-journal';
import { flattenImagesArgv } from '../../../provider/engine/precopy/rounds';
import type { ContainerInfo, ContainerState } from '../../../provider/hosts/container-runtime';
import { bytes } from '../../../provider/units';
import {
  CK,
  fakeHost,
  ID,
  NAME,
  PAGES_PREFIX,
  pagesDirIn,
  PD,
  R,
  S,
  same,
  src,
  T,
  TOTAL,
  withPagesPlaceholder,
  World,
  type Entry,
} from '../fake-shell';

describe('rollBack: a tracked final dump is flattened before the source restores it', () => {
  const place = (argv: readonly string[]): boolean =>
    argv.length === 7 &&
    same(argv.slice(0, 2), ['sh', '-c']) &&
    argv[2]!.endsWith(`> "$2/${NONCE_FILE}"`) &&
    same(argv.slice(3, 6), ['sh', '-', CK]) &&
    argv[6]!.startsWith(`${NAME}.`);
  const ctrd = removeCtrdCopiesOfArgv(NAME, NONCE_FILE);

  it.each<[string, boolean, string | undefined, ContainerState, boolean]>([
    ['frozen, tracked final dump with sourcePagedelta', true, PD, 'exited', true],
    [
      'frozen, without sourcePagedelta (untracked): restored without flatten',
      true,
      undefined,
      'exited',
      true,
    ],
    ['not frozen, the container still runs: no restore, no flatten', false, PD, 'running', false],
  ])('%s', async (_name, frozen, sourcePagedelta, state, restores) => {
    const w = new World();
    w.engineState = state;
    // the final dump in the container's own checkpoint dir; tracked: with a parent link into the chain
    w.seedChain([R(0), R(1)], true);
    w.src.set(CK, { image: true, parent: sourcePagedelta === undefined ? undefined : R(1) });
    const flatten = flattenImagesArgv(PD, CK);

    const source = fakeHost(
      w,
      'src',
      (argv) => {
        if (same(argv, ['test', '-f', `${CK}/inventory.img`])) return {};
        if (same(argv, ['test', '-L', `${CK}/parent`]))
          return { exitCode: w.src.get(CK)?.parent === undefined ? 1 : 0 };
        if (same(argv, flatten)) {
          // its effect: the dir becomes complete in place, without a parent link
          w.src.set(CK, { image: true });
          return {};
        }
        if (pagesDirIn(argv) !== undefined && same(argv, pagesByReferenceArgv(CK, pagesDirIn(argv)!)))
          return {};
        if (place(argv)) return {};
        if (pagesDirIn(argv) !== undefined && same(argv, ['rm', '-rf', '--', pagesDirIn(argv)!])) return {};
        if (same(argv, ['rm', '-rf', '--one-file-system', '--', CK])) return {};
        if (same(argv, ['rm', '-rf', '--one-file-system', '--', S])) return {};
        if (same(argv, ctrd) || same(argv, removePagesDirsArgv(NAME))) return {};
        if (same(argv, closeControlMasterArgv(controlSocketOf(S)))) return {};
        return undefined;
      },
      {
        inspect: (id) => {
          w.log.push(['src-engine', 'inspect', id]);
          return Promise.resolve({ id: ID, state: w.engineState } as ContainerInfo);
        },
        start: (id, opts) => {
          w.log.push(['src-engine', 'start', id, String(opts?.checkpoint)]);
          // the engine copies the dir: a relative parent link would dangle in the copy
          if (w.src.get(CK)?.parent !== undefined) w.fail('restore of a dump that still has a parent link');
          w.engineState = 'running';
          return Promise.resolve();
        },
      },
    );
    const target = fakeHost(
      w,
      'tgt',
      (argv) => {
        if (same(argv, ['rm', '-rf', '--one-file-system', '--', T])) return {};
        if (same(argv, removeAuthorizedKeyArgv('.ssh/authorized_keys', 'ferry-migration-m1'))) return {};
        if (same(argv, ctrd) || same(argv, removePagesDirsArgv(NAME))) return {};
        return undefined;
      },
      {
        list: (filter) => {
          w.log.push(['tgt-engine', 'list', JSON.stringify(filter)]);
          return Promise.resolve([]);
        },
      },
    );

    const r = await rollBack(
      fakeJournal({ frozen, ...(sourcePagedelta === undefined ? {} : { sourcePagedelta }) }),
      { source, target },
      bytes(TOTAL * 4096),
      w.clock,
    );

    expect(w.problems).toEqual([]);
    expect(r).toEqual({ restoredOnSource: restores, notes: [], failed: [] });
    const flattens = w.log.filter((e) => e[0] === 'src' && same(e.slice(1), flatten));
    expect(flattens).toHaveLength(sourcePagedelta !== undefined && restores ? 1 : 0);
    // the flatten script: binary and dir as arguments (the script itself runs in pagedelta-tracked.it)
    expect(flatten.slice(3)).toEqual(['sh', PD, CK]);
    expect(flatten[2]).toContain('diff-tracked');

    // from the image check to the removal of the checkpoint dir: the restore, with the flatten first
    const nonce = (e: Entry): Entry =>
      e[0] === 'src' && place(e.slice(1)) ? [...e.slice(0, -1), '<nonce>'] : e;
    const from = w.log.findIndex((e) => same(e, src('test', '-f', `${CK}/inventory.img`)));
    const to = w.log.findIndex((e) => same(e, src('rm', '-rf', '--one-file-system', '--', CK)));
    expect(w.log.slice(from, to).map(nonce).map(withPagesPlaceholder)).toEqual(
      restores
        ? [
            src('test', '-f', `${CK}/inventory.img`),
            ['src-engine', 'inspect', ID], // waits until the engine sees it stopped
            ...(sourcePagedelta === undefined ? [] : [src('test', '-L', `${CK}/parent`)]),
            ...flattens,
            withPagesPlaceholder(src(...pagesByReferenceArgv(CK, `${PAGES_PREFIX}00000000`))),
            src('sh', '-c', `printf "%s\\n" "$3" > "$2/${NONCE_FILE}"`, 'sh', '-', CK, '<nonce>'),
            ['src-engine', 'inspect', ID], // its start time, to tell a restore that ran from one that did not
            ['src-engine', 'start', ID, NAME],
            src('rm', '-rf', '--', '<pages>'),
            ['src-engine', 'inspect', ID],
          ]
        : [src('test', '-f', `${CK}/inventory.img`)],
    );
    expect(w.engineState).toBe('running');
  });
});
