/** Arguments of `npm run faults` / `ferry faults` (pure). */
import { parseArgs } from 'node:util';
import { InvalidInput } from '../../provider/errors';
import { parseBandwidth, parseDuration, type BytesPerSecond, type Duration } from '../../provider/units';
import { FAMILY_ALIASES, FAULT_FAMILIES, type FaultFamily } from './fault-kinds';

/** Usage text. */
export const FAULTS_USAGE = `usage: npm run faults -- --trials N --seed S [--faults link,relay,...] [--only-trial K]
        [--mib 64] [--rtt 20ms] [--bandwidth 200mbit] [--out DIR]
  randomized fault-injection trials of \`ferry migrate\` on the test bed (brings it up if needed)
  --faults     families to draw from (default all): ${FAULT_FAMILIES.join(', ')} (or a..g)
  --only-trial run only trial K of the campaign (same plan as in the full run)
  --mib        the dirtier's memory, MiB (default 64)
  --rtt, --bandwidth  the cluster-a <-> cluster-b link during the campaign (put back afterwards)
  --out        where each trial's logs, journals and samples go (default /tmp/ferry-faults/<seed>-<time>)
exit code: 0 no violation, 1 violations, 2 usage error or a failure of the campaign itself`;

/** A parsed command line. */
export interface CampaignOptions {
  /** Number of trials. */
  readonly trials: number;
  /** Campaign seed (32-bit unsigned). */
  readonly seed: number;
  /** Families to draw from. */
  readonly families: readonly FaultFamily[];
  /** `--faults` as given (for the re-run command). */
  readonly faultsText?: string;
  /** Run only this trial. */
  readonly onlyTrial?: number;
  /** The dirtier's memory, MiB. */
  readonly mib: number;
  /** Link RTT, seconds, and as given. */
  readonly rtt: Duration;
  /** `--rtt` as given. */
  readonly rttText: string;
  /** Link bandwidth, bytes per second. */
  readonly bandwidth: BytesPerSecond;
  /** `--bandwidth` as given. */
  readonly bandwidthText: string;
  /** Output dir, if given. */
  readonly out?: string;
}

function whole(text: string, field: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max)
    throw new InvalidInput(field, text, `a whole number from ${min} to ${max}`);
  return n;
}

/** The families named by `--faults` (names or letters, comma-separated). */
export function parseFamilies(text: string): FaultFamily[] {
  const out: FaultFamily[] = [];
  for (const raw of text
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '')) {
    const f = (FAULT_FAMILIES as readonly string[]).includes(raw)
      ? (raw as FaultFamily)
      : FAMILY_ALIASES[raw];
    if (f === undefined)
      throw new InvalidInput('--faults', raw, `one of ${FAULT_FAMILIES.join(', ')} or a..g`);
    if (!out.includes(f)) out.push(f);
  }
  if (out.length === 0) throw new InvalidInput('--faults', text, 'at least one fault family');
  return out;
}

/**
 * Parses the arguments; `help` when asked for usage.
 * @throws InvalidInput naming the bad argument.
 */
export function parseCampaignArgs(argv: readonly string[]): CampaignOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        trials: { type: 'string' },
        seed: { type: 'string' },
        faults: { type: 'string' },
        'only-trial': { type: 'string' },
        mib: { type: 'string' },
        rtt: { type: 'string' },
        bandwidth: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new InvalidInput(
      'faults arguments',
      argv.join(' '),
      `valid options (${(e as Error).message.split('\n')[0]})`,
    );
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (positionals.length > 0) throw new InvalidInput('faults', positionals.join(' '), 'options only');
  const trials = whole(values.trials ?? '8', '--trials', 1, 1000);
  const onlyTrial =
    values['only-trial'] === undefined ? undefined : whole(values['only-trial'], '--only-trial', 1, trials);
  const rttText = values.rtt ?? '20ms';
  const bandwidthText = values.bandwidth ?? '200mbit';
  return {
    trials,
    seed: whole(values.seed ?? '1', '--seed', 0, 4294967295),
    families: values.faults === undefined ? [...FAULT_FAMILIES] : parseFamilies(values.faults),
    ...(values.faults !== undefined ? { faultsText: values.faults } : {}),
    ...(onlyTrial !== undefined ? { onlyTrial } : {}),
    mib: whole(values.mib ?? '64', '--mib', 8, 1024),
    rtt: parseDuration(rttText, '--rtt'),
    rttText,
    bandwidth: parseBandwidth(bandwidthText, '--bandwidth'),
    bandwidthText,
    ...(values.out !== undefined ? { out: values.out } : {}),
  };
}
