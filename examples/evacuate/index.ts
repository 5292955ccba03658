/**
 * Evacuate: several stateful containers whose placement comes from ONE config value,
 * `ferry-evacuate:cluster`. Change it (e.g. from cluster-a to cluster-b) and `pulumi up` moves all of them
 * live; the provider lets migrations over the same link take turns (`ferry:maxMigrationsPerLink`, default 1).
 */
import * as pulumi from '@pulumi/pulumi';
import { Container } from '@ferry/pulumi';

const config = new pulumi.Config();
/** The cluster every container runs on. */
const cluster = config.get('cluster') ?? 'cluster-a';
/** How many containers. */
const count = config.getNumber('count') ?? 3;
/** Prefix of the container names; tests give each run its own. */
const prefix = config.get('namePrefix') ?? 'evacuate';

const workers = Array.from({ length: count }, (_, i) => {
  const name = `${prefix}-${i + 1}`;
  return new Container(name, {
    name,
    image: 'ferry/dirtier:latest',
    command: ['/bin/dirtier', '--mib', String(16 + 8 * i), '--dirty-mib-s', '1', '--tick-ms', '100'],
    labels: { 'ferry.example': 'evacuate' },
    placement: { cluster },
    migration: { strategy: 'auto', targetDowntime: '500ms', timeout: '10m', extraDowntimeAcceptable: true },
  });
});

/** `name -> cluster/host` of every container. */
export const placements = pulumi
  .all(workers.map((w) => pulumi.interpolate`${w.name}=${w.cluster}/${w.host}`))
  .apply((lines) => lines.join(', '));
