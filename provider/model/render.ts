/** Renderers of a `MigrationPlan` for reviews: Markdown and plain text. Pure functions of the plan. */
import { formatBandwidth, formatBytes, formatDuration, type Bytes, type Duration } from '../units';
import type { MigrationPlan, StrategySummary } from './plan';

const ms = (d: Duration): string => formatDuration(d);
const mb = (b: Bytes): string => formatBytes(b);
const yes = (b: boolean): string => (b ? 'yes' : 'no');
const row = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;

function table(head: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [row(head), row(head.map(() => '---')), ...rows.map(row)];
}

/** One line: strategy, rounds, downtime against the target, total time, traffic, degraded time. */
export function planHeadline(plan: MigrationPlan): string {
  const target = plan.inputs.policy.targetDowntime;
  const rounds = plan.rounds.length;
  return (
    `${plan.strategy}${rounds > 0 ? `, ${rounds} round(s)` : ''}: downtime ${ms(plan.downtime)} ` +
    `(target ${ms(target)}, ${plan.meetsTarget ? 'met' : 'missed'}), total ${ms(plan.totalTime)}, ` +
    `${mb(plan.bytesOnWire)} on the wire, degraded ${ms(plan.degradedTime)}` +
    `${plan.acceptable ? '' : ' - NOT ACCEPTABLE under the policy'}`
  );
}

/** The plan as plain text: headline, reasons, warnings and rounds, one per line. */
export function planToString(plan: MigrationPlan): string {
  const lines = [
    planHeadline(plan),
    `  start: ${plan.reasons.start}`,
    `  termination: ${plan.reasons.termination}`,
    `  choice: ${plan.reasons.choice}`,
    ...plan.warnings.map((w) => `  warning: ${w}`),
    ...plan.rounds.map(
      (r) =>
        `  round ${r.index}: ${mb(r.volume)} in ${ms(r.duration)} (pause ${ms(r.pause)}), ${mb(r.dirtied)} dirtied`,
    ),
    `  switchover: ${mb(plan.switchover.residual)} + rootfs in ${ms(plan.downtime)}`,
  ];
  if (plan.pull !== null)
    lines.push(
      `  post-copy pull: ${mb(plan.pull.remote)} in ${ms(plan.pull.degraded)} (${plan.pull.faults} faults)`,
    );
  return lines.join('\n');
}

function alternativeRow(s: StrategySummary): string[] {
  return [
    s.strategy,
    yes(s.allowed),
    yes(s.viable),
    String(s.rounds),
    ms(s.downtime),
    ms(s.totalTime),
    mb(s.bytesOnWire),
    ms(s.degradedTime),
    yes(s.meetsTarget),
    yes(s.withinBudget),
  ];
}

/** The plan as Markdown: summary, reasons, warnings, model numbers, rounds, switchover, alternatives, inputs. */
export function planToMarkdown(plan: MigrationPlan): string {
  const m = plan.model;
  const policy = plan.inputs.policy;
  const sw = plan.switchover;
  const out: string[] = [
    `# Migration plan: ${plan.strategy}`,
    '',
    planHeadline(plan),
    '',
    ...table(
      ['Quantity', 'Predicted'],
      [
        ['Strategy', plan.strategy],
        ['Pre-copy rounds', String(plan.rounds.length)],
        ['Downtime', `${ms(plan.downtime)} (target ${ms(policy.targetDowntime)})`],
        [
          'Total time',
          `${ms(plan.totalTime)}${policy.timeBudget === null ? '' : ` (budget ${ms(policy.timeBudget)})`}`,
        ],
        ['Bytes on the wire', mb(plan.bytesOnWire)],
        ['Degraded time', ms(plan.degradedTime)],
        ['Pauses of pre-copy checkpoints', ms(plan.roundPauses)],
        ['Acceptable under the policy', yes(plan.acceptable)],
      ],
    ),
    '',
    '## Why',
    '',
    `- **Start:** ${plan.reasons.start}`,
    `- **Termination:** ${plan.reasons.termination}`,
    `- **Choice:** ${plan.reasons.choice}`,
  ];
  if (plan.warnings.length > 0) out.push('', '## Warnings', '', ...plan.warnings.map((w) => `- ${w}`));
  out.push(
    '',
    '## Model',
    '',
    ...table(
      [
        'B',
        'D',
        'B_eff',
        'h = RTT + overhead',
        'r = D/B_eff',
        'floor c',
        'min(W, c)',
        'floor downtime',
        'threshold residual',
      ],
      [
        [
          formatBandwidth(m.bandwidth),
          formatBandwidth(m.dirtyRate),
          formatBandwidth(m.roundRate),
          ms(m.roundOverhead),
          m.ratio.toFixed(3),
          m.floor === null ? 'none (r >= 1)' : mb(m.floor),
          mb(m.effectiveFloor),
          ms(m.floorDowntime),
          mb(m.thresholdResidual),
        ],
      ],
    ),
  );
  if (plan.rounds.length > 0)
    out.push(
      '',
      `## Rounds (stop rule: ${m.stopRule})`,
      '',
      ...table(
        ['Round', 'Sent V_i', 'Pages', 'Pause', 'Delta', 'Transfer', 'T_i', 'Dirtied V_i+1'],
        plan.rounds.map((r) => [
          String(r.index),
          mb(r.volume),
          String(r.pagesWritten),
          ms(r.pause),
          ms(r.delta),
          ms(r.transfer),
          ms(r.duration),
          mb(r.dirtied),
        ]),
      ),
    );
  out.push(
    '',
    `## Switchover (${sw.mode})`,
    '',
    ...table(
      ['Residual', 'Freeze', 'Delta', 'Memory', 'Rootfs', 'RTT', 'Restore', 'Downtime'],
      [
        [
          mb(sw.residual),
          ms(sw.freeze),
          ms(sw.delta),
          ms(sw.memoryTransfer),
          ms(sw.rootfsTransfer),
          ms(sw.rtt),
          ms(sw.restore),
          ms(sw.downtime),
        ],
      ],
    ),
  );
  if (plan.pull !== null) {
    const p = plan.pull;
    out.push(
      '',
      '## Post-copy pull',
      '',
      ...table(
        ['Pulled', 'Stream', 'Faults', 'Fault wait', 'Degraded'],
        [[mb(p.remote), ms(p.stream), String(p.faults), ms(p.faultWait), ms(p.degraded)]],
      ),
    );
  }
  out.push(
    '',
    '## Alternatives',
    '',
    ...table(
      [
        'Strategy',
        'Allowed',
        'Viable',
        'Rounds',
        'Downtime',
        'Total',
        'Bytes',
        'Degraded',
        'Meets target',
        'In budget',
      ],
      plan.alternatives.map(alternativeRow),
    ),
    '',
    '## Inputs',
    '',
    '```json',
    JSON.stringify(plan.inputs, null, 2),
    '```',
    '',
  );
  return out.join('\n');
}
