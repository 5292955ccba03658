/** The four strategies of the benchmark by name: hand-made, and the engine under three stop rules. */
import type { StrategyName } from '../types';
import { ferry } from './ferry';
import { handMade } from './hand-made';
import type { StrategyRun } from './types';
import { LXD_RULE, PHAUL_RULE } from '../../provider/model';

/** Every strategy, by name. */
export const STRATEGIES: Readonly<Record<StrategyName, StrategyRun>> = {
  'hand-made': handMade,
  // the baselines run on the same engine; only the stop rule differs (and they measure and plan nothing)
  'p.haul': (ctx) => ferry(ctx, { stopRule: PHAUL_RULE }),
  lxd: (ctx) => ferry(ctx, { stopRule: LXD_RULE }),
  ferry: (ctx) => ferry(ctx),
};
