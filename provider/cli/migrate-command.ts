/**
 * `ferry migrate <container> --from <cluster>[/<host>] --to <cluster>[/<host>] [--clusters-file F]
 * [--target-downtime 300ms] [--max-rounds N] [--strategy auto|pre-copy|stop-and-copy] [--relay] [--json]`
 * and `ferry migrate --recover`: a thin layer over provider/engine.
 */
import { parseArgs } from 'node:util';
import { chooseClustersFile, readClustersFile } from '../config/clusters-file';
import type { CliContext } from './main';
import { InvalidInput } from '../errors';
import { connectHost } from '../hosts/connect';
import { fileJournalStore } from '../engine/journal/journal';
import { migrate } from '../engine/migrate';
import { recover } from '../engine/recovery/recover';
import { reportToMarkdown } from '../engine/report';
import { hostResolver, resolveHostRef } from '../engine/host-ref';
import {
  systemClock,
  type MigrationDeps,
  type ProgressEvent,
  type RestoreMode,
  type StrategyChoice,
} from '../engine/types';
import { parseDuration } from '../units';

/** Usage text of `ferry migrate`. */
export const MIGRATE_USAGE = `usage:
  ferry migrate <container> --from <cluster>[/<host>] --to <cluster>[/<host>]
      [--clusters-file F] [--target-downtime 300ms] [--max-rounds N] [--deadline 10m]
      [--strategy auto|pre-copy|stop-and-copy] [--relay] [--strict-downtime] [--json]
      [--restore-mode pages-by-reference|engine-copy] [--calibration <profile name|path>]
      [--authorized-keys-file F]   (on the target; default: the host's authorizedKeysFile from the
                                    clusters file, else .ssh/authorized_keys)
      [--cutover PROGRAM [--cutover-arg A]...]   run on this machine with the new endpoints as JSON on
                                    stdin once the target runs, before the source is removed (and
                                    again with the old ones after a rollback); exit 0 = done
  ferry migrate --recover [--clusters-file F]
      finish or roll back migrations whose journal (~/.ferry/journal) is unfinished
Default clusters file: $FERRY_CLUSTERS_FILE, else the test bed's when the test bed is installed.`;

/** Progress line for people. */
export function formatProgress(e: ProgressEvent): string {
  const t = e.elapsed !== undefined ? `[${e.elapsed.toFixed(1)} s] ` : '';
  return `ferry migrate: ${t}${e.phase}: ${e.message}`;
}

/** Runs `ferry migrate <argv>`; resolves the exit code. */
export async function migrateCommand(argv: readonly string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      'clusters-file': { type: 'string' },
      'target-downtime': { type: 'string' },
      'max-rounds': { type: 'string' },
      deadline: { type: 'string' },
      strategy: { type: 'string' },
      relay: { type: 'boolean' },
      'restore-mode': { type: 'string' },
      calibration: { type: 'string' },
      'authorized-keys-file': { type: 'string' },
      cutover: { type: 'string' },
      'cutover-arg': { type: 'string', multiple: true },
      'strict-downtime': { type: 'boolean' },
      recover: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${MIGRATE_USAGE}\n`);
    return 0;
  }
  const deps: MigrationDeps = {
    connect: (h) => connectHost(h),
    clock: systemClock,
    log: (e) => process.stderr.write(`${formatProgress(e)}\n`),
    journal: fileJournalStore(),
  };
  if (values.recover) {
    // credentials come from the clusters file when there is one (journals hold none)
    const file = values['clusters-file'] ?? context.defaultClustersFile;
    const results = await recover(deps, {
      ...(file !== undefined ? { resolveHost: hostResolver(readClustersFile(file)) } : {}),
    });
    for (const r of results)
      process.stdout.write(`${r.migrationId}: ${r.action}${r.state ? ` -> ${r.state}` : ''} (${r.reason})\n`);
    if (results.length === 0) process.stdout.write('nothing to recover\n');
    // exit 1 while something still needs a person or a later run
    return results.some(
      (r) => ['wait', 'manual', 'skip'].includes(r.action) || r.state === 'fenced' || r.state === 'failed',
    )
      ? 1
      : 0;
  }
  const container = positionals[0];
  if (
    container === undefined ||
    positionals.length > 1 ||
    values.from === undefined ||
    values.to === undefined
  ) {
    process.stderr.write(`${MIGRATE_USAGE}\n`);
    return 2;
  }
  const file = chooseClustersFile(values['clusters-file'], context.defaultClustersFile);
  // default: the target host's own `authorizedKeysFile` (the test bed names it), else .ssh/authorized_keys
  const authorizedKeysFile = values['authorized-keys-file'];
  const clusters = readClustersFile(file);
  const strategy = (values.strategy ?? 'auto') as StrategyChoice;
  if (!['auto', 'pre-copy', 'stop-and-copy'].includes(strategy)) {
    throw new InvalidInput('--strategy', strategy, 'auto, pre-copy or stop-and-copy');
  }
  const restoreMode = values['restore-mode'] as RestoreMode | undefined;
  if (restoreMode !== undefined && !['pages-by-reference', 'engine-copy'].includes(restoreMode)) {
    throw new InvalidInput('--restore-mode', restoreMode, 'pages-by-reference or engine-copy');
  }
  if (values['cutover-arg'] !== undefined && values.cutover === undefined)
    throw new InvalidInput('--cutover-arg', values['cutover-arg'], 'a --cutover PROGRAM to pass it to');
  const maxRounds = values['max-rounds'] === undefined ? undefined : Number(values['max-rounds']);
  if (maxRounds !== undefined && !(Number.isInteger(maxRounds) && maxRounds >= 0)) {
    throw new InvalidInput('--max-rounds', values['max-rounds'], 'a non-negative integer');
  }
  const report = await migrate(
    {
      container,
      source: resolveHostRef(clusters, values.from, '--from'),
      target: resolveHostRef(clusters, values.to, '--to'),
      strategy,
      forceRelay: values.relay ?? false,
      ...(restoreMode !== undefined ? { restoreMode } : {}),
      ...(values.calibration !== undefined ? { calibration: values.calibration } : {}),
      ...(authorizedKeysFile !== undefined ? { authorizedKeysFile } : {}),
      ...(values.cutover !== undefined
        ? { cutover: [values.cutover, ...(values['cutover-arg'] ?? [])] }
        : {}),
      policy: {
        ...(values['target-downtime'] !== undefined
          ? { targetDowntime: parseDuration(values['target-downtime'], '--target-downtime') }
          : {}),
        ...(maxRounds !== undefined ? { maxRounds } : {}),
        ...(values['strict-downtime'] ? { extraDowntimeAcceptable: false } : {}),
      },
      ...(values.deadline !== undefined ? { deadline: parseDuration(values.deadline, '--deadline') } : {}),
    },
    deps,
  );
  process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : reportToMarkdown(report));
  return 0;
}
