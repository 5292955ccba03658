import { phaseError } from '../../provider/engine/phase-errors';
import {
  CheckpointFailed,
  CleanupFailed,
  CommandFailed,
  MeasureFailed,
  MigrationAborted,
  MigrationFenced,
  PrecopyFailed,
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
    ['precopy', cmd, PrecopyFailed],
    ['measure', cmd, MeasureFailed],
    ['cleanup', cmd, CleanupFailed],
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

  it('keeps a policy abort an abort (with the rollback notes), and a fence as it is', () => {
    const abort = new MigrationAborted('precopy', 'deadline 10 s reached', 'cluster-a/host-1');
    const w = phaseError('precopy', abort, 'cluster-a/host-1', ' [rollback notes: x]');
    expect(w).toBeInstanceOf(MigrationAborted);
    expect(w.message).toContain('[rollback notes: x]');
    const fence = new MigrationFenced(
      'verify',
      'target engine gone',
      'is it running',
      'ferry migrate --recover',
    );
    expect(phaseError('verify', fence, 'cluster-a/host-1')).toBe(fence);
    expect(fence.runningOn).toBeUndefined();
    expect(fence.message).toMatch(
      /fenced: the source was not restarted\. Check: is it running\. Then run: ferry migrate --recover/,
    );
  });

  it('says nothing about where it runs when that is unknown', () => {
    expect(phaseError('restore', new Error('x'), undefined).message).not.toContain('running on');
  });
});
