import {
  decideRecovery,
  type Observed,
  type RecoveryAction,
} from '../../../provider/engine/recovery/recover';
import type { JournalState } from '../../../provider/engine/journal/journal';

describe('decideRecovery', () => {
  it.each<[JournalState, Observed, RecoveryAction]>([
    ['done', { source: 'absent', target: 'running', sourceImages: false }, 'nothing'],
    ['rolled-back', { source: 'running', target: 'absent', sourceImages: false }, 'nothing'],
    ['copying', { source: 'unreachable', target: 'absent', sourceImages: false }, 'wait'],
    ['frozen', { source: 'stopped', target: 'unreachable', sourceImages: true }, 'wait'],
    ['copying', { source: 'running', target: 'absent', sourceImages: false }, 'roll-back'],
    ['target-created', { source: 'running', target: 'stopped', sourceImages: false }, 'roll-back'],
    ['frozen', { source: 'stopped', target: 'stopped', sourceImages: true }, 'restore-source'],
    ['restoring', { source: 'stopped', target: 'absent', sourceImages: true }, 'restore-source'],
    ['restoring', { source: 'stopped', target: 'running', sourceImages: true }, 'finish'],
    ['verified', { source: 'absent', target: 'running', sourceImages: false }, 'finish'],
    ['target-running', { source: 'running', target: 'running', sourceImages: true }, 'manual'],
    ['frozen', { source: 'stopped', target: 'absent', sourceImages: false }, 'manual'],
    ['verified', { source: 'absent', target: 'stopped', sourceImages: false }, 'manual'],
    // a decided rollback is carried through even when the (unverified) target runs
    ['rolling-back', { source: 'stopped', target: 'running', sourceImages: true }, 'restore-source'],
    ['rolling-back', { source: 'running', target: 'stopped', sourceImages: false }, 'roll-back'],
    ['rolling-back', { source: 'stopped', target: 'running', sourceImages: false }, 'manual'],
    ['rolling-back', { source: 'stopped', target: 'unreachable', sourceImages: true }, 'wait'],
    // fenced: decided again from what the hosts show
    ['fenced', { source: 'stopped', target: 'absent', sourceImages: true }, 'restore-source'],
    ['fenced', { source: 'stopped', target: 'running', sourceImages: true }, 'finish'],
    // the source stopped outside Ferry before any final checkpoint: clean up, leave it as it is
    ['target-created', { source: 'stopped', target: 'stopped', sourceImages: false }, 'roll-back'],
    ['rolling-back', { source: 'stopped', target: 'stopped', sourceImages: false }, 'roll-back'],
    ['fenced', { source: 'absent', target: 'absent', sourceImages: false }, 'roll-back'],
  ])('journal %s, observed %j -> %s', (state, observed, action) => {
    const d = decideRecovery({ state }, observed);
    expect(d.action).toBe(action);
    expect(d.reason.length).toBeGreaterThan(5);
  });
});
