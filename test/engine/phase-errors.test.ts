import { phaseError } from '../../provider/engine/phase-errors';
import {
  CheckpointFailed,
  CommandFailed,
  MigrationAborted,
  PreflightFailed,
  RestoreFailed,
  TimedOut,
  TransferFailed,
  VerifyFailed,
  type MigrationPhase,
} from '../../provider/errors';

describe('phaseError', () => {
  const cmd = new CommandFailed(['ssh', 'x'], 255, 'Connection reset', 'root@a:22');
  it.each<[MigrationPhase, unknown, new (...a: never[]) => Error]>([
    ['preflight', cmd, PreflightFailed],
    ['checkpoint', cmd, CheckpointFailed],
    ['transfer', cmd, TransferFailed],
    ['restore', new TimedOut('start', 60), RestoreFailed],
    ['verify', new Error('gone'), VerifyFailed],
    ['precopy', cmd, MigrationAborted],
    ['measure', cmd, MigrationAborted],
  ])('wraps a failure in %s', (phase, e, cls) => {
    const w = phaseError(phase, e, 'cluster-a/host-1');
    expect(w).toBeInstanceOf(cls);
    expect(w.phase).toBe(phase);
    expect(w.runningOn).toBe('cluster-a/host-1');
    expect(w.message).toContain('container is running on cluster-a/host-1');
    expect(w.cause).toBe(e);
  });

  it('keeps the phase of a migration error and names its cause', () => {
    const inner = new TransferFailed('sending round 2 failed', undefined, { cause: cmd });
    const w = phaseError('precopy', inner, 'cluster-a/host-1', ' [notes]');
    expect(w).toBeInstanceOf(TransferFailed);
    expect(w.message).toMatch(/^transfer: sending round 2 failed: command failed on root@a:22/);
    expect(w.message).toContain('[notes]');
  });

  it('says nothing about where it runs when that is unknown', () => {
    expect(phaseError('restore', new Error('x'), undefined).message).not.toContain('running on');
  });
});
