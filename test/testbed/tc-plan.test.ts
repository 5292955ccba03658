import { clusterPlan } from '../../testbed/address-plan';
import {
  buildShapingArgv,
  burstBytes,
  changeRateArgv,
  classId,
  htbClassParams,
  shapingMatches,
  tcRate,
} from '../../testbed/tc-plan';
import { gbit, mbit } from '../../provider/units';

const a = clusterPlan(1);
const b = clusterPlan(2);
const c = clusterPlan(3);

describe('HTB parameters', () => {
  it.each([
    [mbit(100), '100000000bit', 65536],
    [gbit(1), '1000000000bit', 250000],
    [mbit(1), '1000000bit', 65536],
  ])('rate %p B/s -> %s, burst %d bytes', (rate, text, burst) => {
    expect(tcRate(rate)).toBe(text);
    expect(burstBytes(rate)).toBe(burst);
    expect(htbClassParams(rate)).toEqual([
      'htb',
      'rate',
      text,
      'ceil',
      text,
      'burst',
      `${burst}b`,
      'cburst',
      `${burst}b`,
      'quantum',
      '65536',
    ]);
  });

  it.each([
    [2, '1:12'],
    [4, '1:14'],
  ])('class toward cluster %d is %s', (k, id) => expect(classId(clusterPlan(k))).toBe(id));
});

describe('buildShapingArgv', () => {
  it('adds the root, then a class and a filter by source address per peer, all in the WAN namespace', () => {
    const argv = buildShapingArgv(a, [
      { peer: b, bandwidth: mbit(100) },
      { peer: c, bandwidth: mbit(10) },
    ]);
    expect(argv).toHaveLength(5);
    expect(argv[0]).toEqual([
      'tc',
      '-netns',
      'ferry-wan',
      'qdisc',
      'add',
      'dev',
      'c1',
      'root',
      'handle',
      '1:',
      'htb',
    ]);
    expect(argv[1]!.join(' ')).toContain('class add dev c1 parent 1: classid 1:12 htb rate 100000000bit');
    expect(argv[2]!.join(' ')).toContain('u32 match ip src 198.18.1.12/32 flowid 1:12');
    expect(argv[4]!.join(' ')).toContain('u32 match ip src 198.18.1.13/32 flowid 1:13');
    for (const x of argv) expect(x.slice(0, 3)).toEqual(['tc', '-netns', 'ferry-wan']);
  });

  it('changes one class in place', () => {
    expect(changeRateArgv(b, { peer: a, bandwidth: gbit(1) }).join(' ')).toBe(
      'tc -netns ferry-wan class change dev c2 parent 1: classid 1:11 htb rate 1000000000bit ceil 1000000000bit burst 250000b cburst 250000b quantum 65536',
    );
  });
});

describe('shapingMatches', () => {
  const qdisc = '[{"kind":"htb","handle":"1:","root":true,"refcnt":3,"options":{"r2q":10,"default":"0"}}]';
  const classes = 'class htb 1:12 root prio 0 rate 100Mbit ceil 100Mbit burst 65512b cburst 65512b \n';
  const filters =
    '[{"parent":"1:","kind":"u32"},{"parent":"1:","kind":"u32","options":{"fh":"800:","ht_divisor":1}},' +
    '{"parent":"1:","kind":"u32","options":{"fh":"800::800","flowid":"1:12"}}]';
  const peers = [{ peer: b, bandwidth: mbit(100) }];

  it.each([
    ['the full tree', qdisc, classes, filters, true],
    ['no qdisc', '[]', classes, filters, false],
    ['a pfifo root', '[{"kind":"pfifo_fast","handle":"0:","root":true}]', classes, filters, false],
    ['no class', qdisc, '', filters, false],
    ['no filter', qdisc, classes, '[]', false],
    ['unparsable output', 'oops', classes, filters, false],
  ])('%s -> %p', (_what, q, cl, f, expected) => {
    expect(shapingMatches(q, cl, f, peers)).toBe(expected);
  });

  it('wants a class for every peer', () => {
    expect(shapingMatches(qdisc, classes, filters, [...peers, { peer: c, bandwidth: mbit(1) }])).toBe(false);
  });
});
