/**
 * At most one copy: the REAL `rollBack()` against the strict fakes of fake-shell.ts. The source is restored
 * only when the target copy is known to be gone; when the target's engine does not answer, or still reports
 * the container live, the rollback fences (starts nothing, keeps the final images). The restart policy that
 * was fenced for the switchover is put back on the source.
 */
import { removeAuthorizedKeyArgv } from '../../../provider/engine/data-path/data-path-commands';
import { MIGRATION_LABEL } from '../../../provider/engine/switchover/final-round';
import { removeCtrdCopiesOfArgv } from '../../../provider/engine/data-path/remote';
import {
  NONCE_FILE,
  pagesByReferenceArgv,
  removePagesDirsArgv,
} from '../../../provider/engine/switchover/restore';
import { closeControlMasterArgv, controlSocketOf } from '../../../provider/engine/rollback/cleanup-steps';
import { ensureTargetGone, rollBack } from '../../../provider/engine/rollback/rollback';
import { fakeJournal } from '../fake-journal';
import type {
  ContainerInfo,
  ContainerRuntime,
  ContainerState,
  ContainerSummary,
} from '../../../provider/hosts/container-runtime';
import { bytes } from '../../../provider/units';
import { CK, fakeHost, ID, NAME, pagesDirIn, S, same, T, TOTAL, World } from '../fake-shell';

const TID = '7a'.repeat(32);

/** How the target's engine behaves in a case. */
type TargetEngine =
  | { readonly kind: 'answers'; readonly after: ContainerState | 'absent' }
  | { readonly kind: 'dead' }
  | { readonly kind: 'dies-after-remove' };

function targetRuntime(w: World, engine: TargetEngine): Partial<ContainerRuntime> {
  let removed = false;
  const down = (what: string): Promise<never> => {
    w.log.push(['tgt-engine', what, 'ECONNREFUSED']);
    return Promise.reject(new Error('connect ECONNREFUSED /run/docker.sock'));
  };
  const live = (): ContainerSummary[] => {
    if (engine.kind !== 'answers' || engine.after === 'absent') return [];
    return [{ id: TID, name: 'c', image: 'i', state: engine.after, labels: { [MIGRATION_LABEL]: 'm1' } }];
  };
  return {
    list: (filter) => {
      w.log.push(['tgt-engine', 'list', JSON.stringify(filter)]);
      if (engine.kind === 'dead' || (engine.kind === 'dies-after-remove' && removed)) return down('list');
      return Promise.resolve(removed ? live() : [{ ...live()[0]!, id: TID, state: 'running' }]);
    },
    remove: (id) => {
      w.log.push(['tgt-engine', 'remove', id]);
      if (engine.kind === 'dead') return down('remove');
      removed = true;
      return Promise.resolve();
    },
    inspect: (id) => {
      w.log.push(['tgt-engine', 'inspect', id]);
      if (engine.kind !== 'answers') return down('inspect');
      return Promise.resolve(
        engine.after === 'absent' ? undefined : ({ id, state: engine.after } as ContainerInfo),
      );
    },
  };
}

function hosts(w: World, engine: TargetEngine) {
  const ctrd = removeCtrdCopiesOfArgv(NAME, NONCE_FILE);
  const source = fakeHost(
    w,
    'src',
    (argv) => {
      if (same(argv, ['test', '-f', `${CK}/inventory.img`])) return {};
      if (pagesDirIn(argv) !== undefined && same(argv, pagesByReferenceArgv(CK, pagesDirIn(argv)!)))
        return {};
      if (argv[0] === 'sh' && argv[2]?.endsWith(`> "$2/${NONCE_FILE}"`)) return {};
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
        w.engineState = 'running';
        return Promise.resolve();
      },
      setRestartPolicy: (id, policy) => {
        w.log.push(['src-engine', 'setRestartPolicy', id, policy]);
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
    targetRuntime(w, engine),
  );
  return { source, target };
}

describe('rollBack after the final checkpoint: the source starts only when the target is gone', () => {
  it.each<[string, TargetEngine, boolean, RegExp | undefined]>([
    ['target removed (engine lists nothing)', { kind: 'answers', after: 'absent' }, true, undefined],
    ['target stopped and kept (engine says exited)', { kind: 'answers', after: 'exited' }, true, undefined],
    ['target engine dead', { kind: 'dead' }, false, /removing the target container failed: connect ECONN/],
    ['target engine dies after the removal', { kind: 'dies-after-remove' }, false, /did not answer after/],
    ['target still running after the removal', { kind: 'answers', after: 'running' }, false, /running$/],
  ])('%s', async (_name, engine, restores, fence) => {
    const w = new World();
    w.engineState = 'exited';
    const r = await rollBack(
      fakeJournal({ frozen: true, targetId: TID, restartPolicy: 'always' }),
      hosts(w, engine),
      bytes(TOTAL * 4096),
      w.clock,
    );
    expect(w.problems).toEqual([]);
    expect(r.restoredOnSource).toBe(restores);
    const started = w.log.filter((e) => e[0] === 'src-engine' && e[1] === 'start');
    expect(started).toHaveLength(restores ? 1 : 0);
    if (fence === undefined) {
      expect(r.fenced).toBeUndefined();
      expect(w.engineState).toBe('running');
      // the policy goes back on the copy that runs, after it runs
      const at = w.log.findIndex((e) => same(e, ['src-engine', 'setRestartPolicy', ID, 'always']));
      expect(at).toBeGreaterThan(w.log.findIndex((e) => e[1] === 'start'));
    } else {
      expect(r.fenced).toMatch(fence);
      // nothing started, the final images and the migration dirs kept, the policy stays fenced
      expect(w.engineState).toBe('exited');
      expect(w.log.some((e) => e[0] === 'src' && e.includes(CK) && e[1] === 'rm')).toBe(false);
      expect(w.log.some((e) => e[0] === 'src' && e.includes(S))).toBe(false);
      expect(w.log.some((e) => e[1] === 'setRestartPolicy')).toBe(false);
    }
  });

  it('before the final checkpoint (the source still runs) it never fences: nothing is started', async () => {
    const w = new World();
    w.engineState = 'running';
    const l = hosts(w, { kind: 'dead' });
    const src = l.source;
    const source = {
      ...src,
      shell: {
        ...src.shell,
        exec: (argv: readonly string[], o: Parameters<typeof src.shell.exec>[1]) =>
          same(argv, ['test', '-f', `${CK}/inventory.img`])
            ? Promise.resolve({ exitCode: 1, stdout: Buffer.alloc(0), stderr: '' })
            : src.shell.exec(argv, o),
      },
    };
    const r = await rollBack(fakeJournal(), { ...l, source }, bytes(TOTAL * 4096), w.clock);
    expect(w.problems).toEqual([]);
    expect(r).toMatchObject({ restoredOnSource: false });
    expect(r.fenced).toBeUndefined();
    expect(r.notes[0]).toMatch(
      /^the target copy is not known to be gone: removing the target container failed/,
    );
    expect(w.engineState).toBe('running');
  });
});

describe('rollBack: a source that was restored and then exited by itself', () => {
  it('ends rolled back with a note (it ran: its start time moved), not as a failed restore', async () => {
    const w = new World();
    w.engineState = 'exited';
    let started = '2026-12-04T00:00:00Z';
    const h = hosts(w, { kind: 'answers', after: 'absent' });
    const source = {
      ...h.source,
      runtime: new Proxy(h.source.runtime, {
        get(t, prop) {
          if (prop === 'inspect')
            return (id: string) =>
              Promise.resolve({
                id,
                state: w.engineState,
                startedAt: started,
                exitCode: 143,
              } as ContainerInfo);
          if (prop === 'start')
            return () => {
              // the restored process gets the SIGTERM its engine sent before the checkpoint, and exits
              started = '2026-12-04T00:00:05Z';
              w.engineState = 'exited';
              return Promise.resolve();
            };
          return t[prop as keyof typeof t];
        },
      }),
    };
    const r = await rollBack(fakeJournal({ frozen: true }), { ...h, source }, bytes(TOTAL * 4096), w.clock);
    expect(w.problems).toEqual([]);
    expect(r.fenced).toBeUndefined();
    expect(r.restoredOnSource).toBe(true);
    expect(r.notes).toEqual(['the source container was restored, then exited with code 143 by itself']);
  });

  it('a start that never ran (the start time did not move) is still a failed restore', async () => {
    const w = new World();
    w.engineState = 'exited';
    const h = hosts(w, { kind: 'answers', after: 'absent' });
    const source = {
      ...h.source,
      runtime: new Proxy(h.source.runtime, {
        get(t, prop) {
          if (prop === 'inspect')
            return (id: string) =>
              Promise.resolve({ id, state: 'exited', startedAt: 'same', exitCode: 1 } as ContainerInfo);
          if (prop === 'start') return () => Promise.resolve();
          return t[prop as keyof typeof t];
        },
      }),
    };
    await expect(
      rollBack(fakeJournal({ frozen: true }), { ...h, source }, bytes(TOTAL * 4096), w.clock),
    ).rejects.toThrow(/the container is exited after the restore$/);
  });
});

describe('ensureTargetGone', () => {
  it.each<[string, TargetEngine, boolean, string]>([
    ['absent', { kind: 'answers', after: 'absent' }, true, 'removed'],
    ['exited', { kind: 'answers', after: 'exited' }, true, 'not running'],
    ['paused', { kind: 'answers', after: 'paused' }, false, 'paused'],
    ['restarting', { kind: 'answers', after: 'restarting' }, false, 'restarting'],
    ['dead engine', { kind: 'dead' }, false, 'ECONNREFUSED'],
  ])('%s', async (_name, engine, gone, text) => {
    const w = new World();
    const { target } = hosts(w, engine);
    const r = await ensureTargetGone(target, 'm1', TID);
    expect(w.problems).toEqual([]);
    expect(r.gone).toBe(gone);
    expect(r.gone ? r.how : r.why).toContain(text);
  });
});
