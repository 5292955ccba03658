/**
 * The real-program workload: redis-server from Debian's package, in a local image built by bench/setup.sh
 * (the binary and its shared libraries on a busybox-static base). Inside the same container a client loop
 * (busybox sh + redis-cli over a Unix socket: the container has no network, and CRIU keeps both ends of a
 * Unix socket) fills about `mib` MiB, then every tick increments a counter in Redis, writes a key, and
 * prints `tick=<counter> t=<ns>`: the same format as the dirtier, so the dirtier's `workloadView` measures
 * the downtime (with no `verify=` lines its memory check holds vacuously),
 * and since the counter lives in Redis's memory, a continuous counter proves Redis's state moved intact.
 */
import type { ContainerSpec } from '../../provider/hosts/container-runtime';
import type { RedisWorkload } from '../types';

/** The image bench/setup.sh builds and loads into every test bed engine. */
export const REDIS_IMAGE = 'ferry/bench-redis:latest';

/**
 * One tick, as a Lua script run by Redis: increment the counter, write a key, and return the counter with
 * Redis's own clock (`TIME`: seconds, microseconds; busybox `date` has no nanoseconds).
 */
export const REDIS_TICK_SCRIPT =
  "local v = redis.call('INCR', 'hb') redis.call('SET', 'w' .. (v % 5000), string.rep('x', 900) .. v) local t = redis.call('TIME') return {v, t[1], t[2]}";

/** The client loop run by busybox sh inside the container ($1 = keys to populate, $2 = tick seconds). */
export const REDIS_LOOP = [
  'keys=$1; tick=$2; script=$3',
  'redis-server --port 0 --unixsocket /tmp/r.sock --save "" --appendonly no --enable-debug-command yes --daemonize yes --pidfile /tmp/r.pid --logfile /tmp/r.log',
  'until redis-cli -s /tmp/r.sock PING >/dev/null 2>&1; do sleep 0.05; done',
  'redis-cli -s /tmp/r.sock DEBUG POPULATE "$keys" key 1000 >/dev/null',
  'while :; do',
  '  set -- $(redis-cli -s /tmp/r.sock EVAL "$script" 0)',
  '  [ -n "$3" ] && echo "tick=$1 t=$2$(printf %06d "$3")000"',
  '  sleep "$tick"',
  'done',
].join('\n');

/** The container spec: about `mib` MiB of 1000-byte values (plus Redis's overhead). */
export function redisSpec(name: string, w: RedisWorkload): ContainerSpec {
  const keys = Math.round((w.mib * 1048576) / 1100);
  return {
    name,
    image: REDIS_IMAGE,
    cmd: [
      '/bin/sh',
      '-c',
      REDIS_LOOP,
      'redis-loop',
      String(keys),
      (w.tickMs / 1000).toFixed(3),
      REDIS_TICK_SCRIPT,
    ],
    labels: { 'ferry.bench': name },
    hostConfig: { networkMode: 'none' },
  };
}
