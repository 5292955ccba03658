/**
 * A journal of migration `m1` that matches the strict fakes of fake-shell.ts (source `/w`, target `/v`,
 * container {@link ID}, checkpoint {@link NAME}), for the tests that drive the real rollback and cleanup.
 */
import { newJournal, type Journal } from '../../provider/engine/journal/journal';
import { ID, NAME, S, T, fakeHost, World } from './fake-shell';

/** The journal, in state `state` with `frozen` in its history when `frozen`. */
export function fakeJournal(
  opts: {
    readonly frozen?: boolean;
    readonly targetId?: string;
    readonly restartPolicy?: string;
    readonly sourcePagedelta?: string;
  } = {},
): Journal {
  const w = new World();
  const src = fakeHost(w, 'src', () => undefined).config;
  const tgt = fakeHost(w, 'tgt', () => undefined).config;
  const at = new Date('2026-12-04T00:00:00Z');
  const j = newJournal(
    {
      migrationId: 'm1',
      containerName: 'c',
      source: { cluster: 'cluster-a', host: src },
      target: { cluster: 'cluster-b', host: tgt },
      sourceContainerId: ID,
      checkpointName: NAME,
      sourceDir: S,
      targetDir: T,
      authorizedKeysFile: '.ssh/authorized_keys',
      ...(opts.sourcePagedelta !== undefined ? { sourcePagedelta: opts.sourcePagedelta } : {}),
    },
    at,
  );
  const history = [
    ...j.history,
    ...(opts.frozen ? [{ state: 'frozen' as const, at: at.toISOString() }] : []),
    { state: 'rolling-back' as const, at: at.toISOString() },
  ];
  return {
    ...j,
    state: 'rolling-back',
    history,
    ...(opts.targetId !== undefined ? { targetContainerId: opts.targetId } : {}),
    ...(opts.restartPolicy !== undefined ? { restartPolicy: opts.restartPolicy } : {}),
  };
}
