/**
 * Relocate: one stateful container (the dirtier test workload: an in-memory counter and a buffer it keeps
 * changing). Its cluster comes from the stack config `ferry-relocate:cluster`; change it and `pulumi up`
 * migrates the running container live. See README.md.
 */
import * as pulumi from '@pulumi/pulumi';
import { Container } from '@ferry/pulumi';

const config = new pulumi.Config();
/** Cluster the counter runs on (`cluster-a` by default). */
const cluster = config.get('cluster') ?? 'cluster-a';
/** Docker container name; tests give each run its own. */
const name = config.get('containerName') ?? 'relocate-counter';
/** Memory the workload keeps, MiB. */
const mib = config.getNumber('mib') ?? 32;
/** How fast it rewrites that memory, MiB/s. */
const dirtyMibS = config.getNumber('dirtyMibS') ?? 2;

const counter = new Container('counter', {
  name,
  image: 'ferry/dirtier:latest',
  command: [
    '/bin/dirtier',
    '--mib',
    String(mib),
    '--dirty-mib-s',
    String(dirtyMibS),
    '--tick-ms',
    '100',
    '--verify-every',
    '10',
  ],
  labels: { 'ferry.example': 'relocate' },
  placement: { cluster },
  migration: {
    strategy: config.get<'auto' | 'pre-copy' | 'stop-and-copy'>('strategy') ?? 'auto',
    targetDowntime: config.get('targetDowntime') ?? '300ms',
    timeout: config.get('timeout') ?? '10m',
    extraDowntimeAcceptable: true,
  },
});

/** Where the counter runs, `cluster/host`. */
export const runsOn = pulumi.interpolate`${counter.cluster}/${counter.host}`;
/** Docker id of the running container. */
export const containerId = counter.containerId;
/** Its state as last seen. */
export const state = counter.state;
/** Predicted beside measured figures of the last migration. */
export const lastMigration = counter.lastMigration.apply((m) => m ?? 'none yet');
