/** What the test bed needs on the machine, and a check that names every missing piece. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PrerequisiteMissing } from '../provider/errors';
import { daemonEnv } from './daemon-config';
import { hintFor } from './exec';

/** Programs the test bed runs (found on PATH with /usr/local/sbin first, as the daemons see it). */
export const REQUIRED_PROGRAMS: readonly string[] = [
  'ip', 'tc', 'nsenter', 'sysctl', 'umount', 'ssh-keygen', 'ssh',
  'containerd', 'containerd-shim-runc-v2', 'dockerd', 'docker', 'runc', 'criu', '/usr/sbin/sshd',
]; // prettier-ignore

/** Path of `program` on `PATH` (or itself if absolute and executable), else `undefined`. */
export function which(program: string, pathVar: string = daemonEnv().PATH ?? ''): string | undefined {
  const candidates = path.isAbsolute(program)
    ? [program]
    : pathVar
        .split(':')
        .filter(Boolean)
        .map((d) => path.join(d, program));
  return candidates.find((c) => {
    try {
      fs.accessSync(c, fs.constants.X_OK);
      return fs.statSync(c).isFile();
    } catch {
      return false;
    }
  });
}

/** Missing pieces, each with how to get it (empty when all is there). */
export function missingPrerequisites(): { piece: string; hint: string }[] {
  const out = REQUIRED_PROGRAMS.filter((p) => which(p) === undefined).map((p) => ({
    piece: p,
    hint:
      p === 'criu' ? 'CRIU >= 4 on PATH (npm run setup installs 4.1.1 as /usr/local/sbin/criu)' : hintFor(p),
  }));
  if (process.getuid?.() !== 0)
    out.unshift({ piece: 'root', hint: 'run the test bed as root (it creates namespaces)' });
  return out;
}

/** @throws PrerequisiteMissing listing every missing piece. */
export function assertPrerequisites(): void {
  const missing = missingPrerequisites();
  if (missing.length > 0) {
    throw new PrerequisiteMissing(
      missing.map((m) => m.piece).join(', '),
      `the test bed needs: ${missing.map((m) => `${m.piece} (${m.hint})`).join('; ')}`,
      { hint: 'run `npm run setup` (installs everything), then try again' },
    );
  }
}
