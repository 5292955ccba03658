import { planMigration } from '../../provider/model';
import { planningInputs } from '../../provider/pulumi/engine-bridge';
import {
  movesInPreview,
  plansToMarkdown,
  plansToText,
  type MovePlan,
} from '../../provider/pulumi/plan-moves';
import { UNKNOWN } from '../../provider/pulumi/schema';
import { inputs, outputs, withField } from './fixtures';

const TYPE = 'pulumi-nodejs:dynamic/ferry:Container';

function step(op: string, olds: Record<string, unknown>, news: Record<string, unknown>, type = TYPE): object {
  return {
    op,
    urn: `urn:pulumi:dev::p::${type}::${String(news.name)}`,
    oldState: { type, outputs: olds },
    newState: { type, inputs: news },
  };
}

describe('movesInPreview', () => {
  it('lists only updates of ferry containers whose placement moves', () => {
    const preview = {
      steps: [
        step('same', outputs(), inputs()),
        step('update', outputs(), withField(inputs(), 'placement.cluster', 'cluster-b')),
        step(
          'update',
          outputs({ name: 'w2' }),
          withField(withField(inputs(), 'name', 'w2'), 'migration.targetDowntime', '1s'),
        ),
        step('replace', outputs(), withField(inputs(), 'image', 'x:2')),
        step(
          'update',
          outputs(),
          withField(inputs(), 'placement.cluster', 'cluster-b'),
          'aws:s3/bucket:Bucket',
        ),
      ],
    };
    const moves = movesInPreview(preview);
    expect(moves).toHaveLength(1);
    expect(moves[0]).toMatchObject({
      name: 'web-1',
      from: { cluster: 'cluster-a', host: 'host-1' },
      to: { cluster: 'cluster-b', host: undefined },
      policy: { strategy: 'auto', targetDowntime: '300ms' },
    });
  });

  it('skips a placement that is unknown until apply', () => {
    const news = withField(inputs(), 'placement.cluster', UNKNOWN);
    expect(movesInPreview({ steps: [step('update', outputs(), news)] })).toEqual([]);
  });

  it.each([[null], [{}], [{ steps: [] }]])('finds nothing in %j', (preview) => {
    expect(movesInPreview(preview)).toEqual([]);
  });
});

describe('rendering', () => {
  let plans: MovePlan[];
  beforeAll(async () => {
    const [move] = movesInPreview({
      steps: [step('update', outputs(), withField(inputs(), 'placement.cluster', 'cluster-b'))],
    });
    const facts = {
      memory: 64 * 2 ** 20,
      dirtyRate: 2 ** 20,
      rtt: 0.05,
      bandwidth: 12.5e6,
      policy: move!.policy,
    };
    const plan = planMigration(await planningInputs(facts));
    plans = [
      {
        move: move!,
        toHost: 'host-1',
        plan,
        memory: { value: facts.memory, source: 'measured now' },
        dirtyRate: { value: facts.dirtyRate, source: 'assumed' },
        rtt: { value: facts.rtt, source: 'recent measurement' },
        bandwidth: { value: facts.bandwidth, source: 'given' },
      },
    ];
  });

  it('text: from -> to, strategy, rounds, downtime, total, bytes, why, and the provenance of inputs', () => {
    const text = plansToText(plans);
    expect(text).toMatch(/^web-1: cluster-a\/host-1 -> cluster-b\/host-1$/m);
    expect(text).toMatch(
      /strategy \S+, \d+ pre-copy round\(s\), predicted downtime [\d.]+ m?s.*total [\d.]+ m?s, [\d.]+ MiB on the wire/,
    );
    expect(text).toMatch(
      /memory 64.0 MiB \(measured now\), dirty rate 1.0 MiB\/s \(assumed\), RTT 50 ms \(recent measurement\), bandwidth 100.0 Mbit\/s \(given\)/,
    );
    expect(text).toMatch(/why: /);
  });

  it('markdown: a table row per container and a section with the reasons', () => {
    const md = plansToMarkdown(plans);
    expect(md).toMatch(
      /^\| container \| from \| to \| strategy \| rounds \| predicted downtime \| total time \| bytes \|$/m,
    );
    expect(md).toMatch(/^\| web-1 \| cluster-a\/host-1 \| cluster-b\/host-1 \| /m);
    expect(md).toMatch(/^### web-1$/m);
    expect(md).toMatch(/^- why: /m);
  });

  it('says when nothing moves', () => {
    expect(plansToText([])).toBe('No container would move.\n');
    expect(plansToMarkdown([])).toMatch(/No container would move/);
  });
});
