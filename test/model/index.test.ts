import * as model from '../../provider/model';

/** The public API of provider/model: adding or removing an export must be deliberate. */
const PUBLIC_API = [
  'DEFAULT_PAGE_SIZE',
  'DEFAULT_POLICY',
  'LXD_LIMITS',
  'LXD_RULE',
  'MAX_RTT',
  'MIN_BANDWIDTH',
  'PHAUL_LIMITS',
  'PHAUL_RULE',
  'PLAN_SCHEMA',
  'ROUND_LIMIT',
  'STRATEGIES',
  'UNCALIBRATED_COSTS',
  'checkBytes',
  'checkSeconds',
  'contractionRatio',
  'controllerStep',
  'copyThreshold',
  'decideSwitchover',
  'deltaTime',
  'deriveParams',
  'dirtySampleRate',
  'effectiveFloor',
  'ewma',
  'ewmaRate',
  'floorDowntime',
  'freezeTime',
  'lazyPull',
  'lxdStop',
  'modelStopRule',
  'nextResidual',
  'observeRound',
  'phaulStop',
  'planHeadline',
  'planMigration',
  'planToMarkdown',
  'planToString',
  'precopyRounds',
  'predictRound',
  'predictStrategy',
  'residualAfterRounds',
  'residualFloor',
  'resolveInputs',
  'restoreTime',
  'roundCost',
  'roundOverhead',
  'roundRate',
  'roundsToReach',
  'runPrecopy',
  'sendTime',
  'simulatePrecopy',
  'startCondition',
  'startController',
  'switchover',
  'transferRate',
  'withRates',
];

describe('provider/model index', () => {
  it('exports exactly the public API', () => {
    expect(Object.keys(model).sort()).toEqual([...PUBLIC_API].sort());
  });

  it.each(PUBLIC_API)('%s is defined', (name) => {
    expect((model as Record<string, unknown>)[name]).toBeDefined();
  });

  it('has the default policy of the issue: 300 ms target, no post-copy', () => {
    expect(model.DEFAULT_POLICY.targetDowntime).toBe(0.3);
    expect(model.DEFAULT_POLICY.postCopyAllowed).toBe(false);
    expect(model.UNCALIBRATED_COSTS.dirtyTracking).toBe(false);
    expect(model.MAX_RTT).toBe(60);
  });
});
