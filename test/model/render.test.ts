import {
  planHeadline,
  planMigration,
  planToMarkdown,
  planToString,
  simulatePrecopy,
  PHAUL_RULE,
} from '../../provider/model';
import { bytesPerSecond, gbit, mib, millis, seconds } from '../../provider/units';
import { inputs } from './fixtures';

describe('renderers', () => {
  const precopy = planMigration(inputs());
  const hybrid = planMigration(
    inputs({
      container: { rootfsDiff: mib(0.5) },
      link: { bandwidth: gbit(1), costs: { dirtyTracking: true, restoreBase: millis(20) } },
      policy: { postCopyAllowed: true, timeBudget: seconds(600) },
    }),
  );
  const stopCopy = planMigration(inputs({ container: { dirtyRate: bytesPerSecond(20e6) } }));

  it('puts strategy, downtime against target, and acceptability in the headline', () => {
    expect(planHeadline(precopy)).toMatch(
      /^pre-copy, 3 round\(s\): downtime .* \(target 300 ms, missed\), total .* on the wire, degraded .* - NOT ACCEPTABLE under the policy$/,
    );
    expect(planHeadline(hybrid)).toMatch(/^hybrid, \d+ round\(s\): downtime .* \(target 300 ms, met\)/);
    expect(planHeadline(hybrid)).not.toMatch(/NOT ACCEPTABLE/);
    expect(planHeadline(stopCopy)).toMatch(/^stop-and-copy: downtime/);
  });

  it('renders text with reasons, rounds, switchover and pull', () => {
    const text = planToString(hybrid);
    expect(text.split('\n')[0]).toBe(planHeadline(hybrid));
    expect(text).toContain(`  start: ${hybrid.reasons.start}`);
    expect(text).toContain(`  termination: ${hybrid.reasons.termination}`);
    expect(text).toContain(`  choice: ${hybrid.reasons.choice}`);
    expect(text).toMatch(/ {2}round 0: 256\.0 MiB in .* \(pause .*\), .* dirtied/);
    expect(text).toMatch(/ {2}warning: post-copy/);
    expect(text).toMatch(/ {2}post-copy pull: .* \(\d+ faults\)$/);
    expect(planToString(stopCopy)).not.toMatch(/round 0|post-copy pull|warning/);
  });

  it('renders Markdown with every section that applies', () => {
    const md = planToMarkdown(hybrid);
    for (const heading of [
      '# Migration plan: hybrid',
      '## Why',
      '## Warnings',
      '## Model',
      '## Rounds (stop rule: model)',
      '## Switchover (lazy)',
      '## Post-copy pull',
      '## Alternatives',
      '## Inputs',
    ])
      expect(md).toContain(heading);
    expect(md).toContain('(budget 10 min 0 s)');
    expect(md).toContain('| Acceptable under the policy | yes |');
    expect(md).toContain(JSON.stringify(hybrid.inputs, null, 2));
    expect(md).toMatch(/\| hybrid \| yes \| yes \| \d+ \|/);
  });

  it('leaves out sections that do not apply', () => {
    const md = planToMarkdown(stopCopy);
    expect(md).not.toMatch(/## Warnings|## Rounds|## Post-copy pull|\(budget/);
    expect(md).toContain('| none (r >= 1) |');
    expect(md).toContain('| pre-copy | yes | no | 1 |');
    expect(md).toContain('| post-copy | no | yes | 0 |');
    expect(md).toContain('| Acceptable under the policy | no |');
  });

  it('names the stop rule of a simulation', () => {
    expect(planToMarkdown(simulatePrecopy(inputs(), PHAUL_RULE))).toContain('## Rounds (stop rule: p.haul)');
  });
});
