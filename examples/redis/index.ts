/**
 * Redis, a real service with clients, as a `ferry.Container`: Debian's redis-server (the test bed's
 * `ferry/redis` image) with port 6379 published on whichever host runs it and restart policy `always`. Its
 * cluster comes from the stack config `ferry-redis:cluster`; change it and `pulumi up` moves it live. The
 * output `endpoints` says where clients reach it; the cutover hook writes the same to `endpointsFile`
 * (when set) the moment the moved copy runs, before the old one is removed. See README.md.
 */
import * as pulumi from '@pulumi/pulumi';
import { Container } from '@ferry/pulumi';

const config = new pulumi.Config();
/** Cluster Redis runs on (`cluster-a` by default). */
const cluster = config.get('cluster') ?? 'cluster-a';
/** A file the cutover hook writes the new endpoints into, as JSON (the demo's client reads it). */
const endpointsFile = config.get('endpointsFile');

const redis = new Container('redis', {
  name: config.get('containerName') ?? 'redis-demo',
  image: 'ferry/redis:latest',
  ports: [{ internal: 6379 }],
  restart: 'always',
  labels: { 'ferry.example': 'redis' },
  placement: { cluster },
  migration: { targetDowntime: '300ms', extraDowntimeAcceptable: true, timeout: '10m' },
  ...(endpointsFile !== undefined
    ? { cutover: ['sh', '-c', 'cat > "$1.tmp" && mv "$1.tmp" "$1"', 'cutover', endpointsFile] }
    : {}),
});

/** Where clients reach Redis now. */
export const endpoints = redis.endpoints;
/** Where it runs, `cluster/host`. */
export const runsOn = pulumi.interpolate`${redis.cluster}/${redis.host}`;
/** Predicted beside measured figures of the last move. */
export const lastMigration = redis.lastMigration.apply((m) => m ?? 'none yet');
