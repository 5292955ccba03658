/**
 * Entry point of `npm run faults -- ...`: the fault campaign through ts-node, without going through
 * `bin/ferry` (which would run dist/ when built). Same as `ferry faults ...`.
 */
import { reportFailure } from '../../provider/cli/main';
import { faultsCommand } from './faults-command';

faultsCommand(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.exitCode = reportFailure('faults', e);
  },
);
