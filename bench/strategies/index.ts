/** The four strategies of the benchmark by name. */
import type { StrategyName } from '../types';
import { ferry } from './ferry';
import { fixedRule } from './fixed-rule';
import { handMade } from './hand-made';
import type { StrategyRun } from './types';
import { LXD_RULE, PHAUL_RULE } from '../../provider/model';

/** Every strategy, by name. */
export const STRATEGIES: Readonly<Record<StrategyName, StrategyRun>> = {
  'hand-made': handMade,
  'p.haul': (ctx) => fixedRule(ctx, PHAUL_RULE),
  lxd: (ctx) => fixedRule(ctx, LXD_RULE),
  ferry: (ctx) => ferry(ctx),
};
