/** `ferry faults ...` (and `npm run faults -- ...`): the fault campaign on the test bed. See docs/testbed.md. */
import type { CliContext } from '../../provider/cli/main';
import { FAULTS_USAGE, parseCampaignArgs } from './args';
import { runCampaign } from './campaign';

/** Runs `ferry faults <argv>`; resolves the exit code (0 clean, 1 violations, 2 usage or campaign failure). */
export async function faultsCommand(argv: readonly string[], _context?: CliContext): Promise<number> {
  const o = parseCampaignArgs(argv);
  if (o === 'help') {
    process.stdout.write(`${FAULTS_USAGE}\n`);
    return 0;
  }
  return runCampaign(o);
}
