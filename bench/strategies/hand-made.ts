/**
 * Strategy 1, what a user does by hand today: `docker checkpoint create` on the source (the container
 * stops), copy the checkpoint directory to the target host over SSH (`tar | ssh`, run ON the source host to
 * the target's peer address, so the bytes cross the emulated link), and `docker start --checkpoint` of a
 * container created on the target with the same spec. The container is created on the target before the
 * checkpoint, which is the most favourable order for the baseline (it is not part of the downtime).
 *
 * This is the engine's own checkpoint path, with its known failure on Docker 20.10 ("content sha256:...
 * already exists", the container lost): failures are reported, never retried or hidden.
 */
import { dockerCheckpointDir, DEFAULT_DOCKER_DATA_ROOT } from '../../provider/hosts/commands/docker-paths';
import { quoteArgv } from '../../provider/hosts/shell-quote';
import { run } from '../../provider/hosts/run';
import { CommandFailed, RestoreFailed } from '../../provider/errors';
import { hostLabel } from '../../provider/engine/types';
import { seconds } from '../../provider/units';
import { nowS, type StrategyContext, type StrategyOutcome } from './types';

/** Time limit of each docker / copy command, seconds (generous: 1 GiB over 100 Mbit/s takes ~90 s). */
const STEP_TIMEOUT = seconds(600);

/** `docker -H unix://<socket> <args...>` as argv. */
export function dockerArgv(socket: string, args: readonly string[]): string[] {
  return ['docker', '-H', `unix://${socket}`, ...args];
}

/**
 * The copy command run on the source host: tar the checkpoint directory and unpack it on the target
 * (reached at its peer address across the link) into the target container's checkpoint directory.
 */
export function copyArgv(
  sshConfig: string,
  peer: { address: string; port: number },
  fromDir: string,
  toDir: string,
): string[] {
  const remote = quoteArgv(['sh', '-c', 'mkdir -p -- "$1" && exec tar -C "$1" -xf -', 'sh', toDir]);
  return [
    'bash',
    '-c',
    'set -o pipefail; dir=$1; shift; tar -C "$dir" -cf - . | ssh "$@"',
    'bash',
    fromDir,
    '-F',
    sshConfig,
    '-p',
    String(peer.port),
    peer.address,
    remote,
  ];
}

/** Runs strategy 1 (see the module comment). */
export async function handMade(ctx: StrategyContext): Promise<StrategyOutcome> {
  const { src, tgt } = ctx;
  const t0 = nowS();
  const info = await src.runtime.inspect(ctx.container);
  if (info === undefined)
    throw new CommandFailed(
      ['inspect', ctx.container],
      404,
      'source container not found',
      hostLabel(ctx.source),
    );
  const targetId = await tgt.runtime.create({ ...info.spec, name: ctx.container, image: info.image });
  const cp = `bench-${ctx.seq}`;
  const srcSock = src.config.dockerSocket;
  const tgtSock = tgt.config.dockerSocket;
  ctx.log(`docker checkpoint create ${ctx.container} ${cp}`);
  await run(src.shell, dockerArgv(srcSock, ['checkpoint', 'create', ctx.container, cp]), {
    timeout: STEP_TIMEOUT,
  });
  const tFrozenDone = nowS();
  const fromDir = dockerCheckpointDir(src.config.dockerDataRoot ?? DEFAULT_DOCKER_DATA_ROOT, info.id, cp);
  const toDir = dockerCheckpointDir(tgt.config.dockerDataRoot ?? DEFAULT_DOCKER_DATA_ROOT, targetId, cp);
  const peer = src.config.peers?.[hostLabel(ctx.target)];
  if (peer === undefined)
    throw new RestoreFailed(
      `no peer address of ${hostLabel(ctx.target)} on ${hostLabel(ctx.source)}`,
      hostLabel(ctx.source),
    );
  const du = await run(src.shell, ['du', '-sb', '--', fromDir], { timeout: seconds(60) });
  const size = Number(du.stdout.toString().split(/\s/)[0] ?? 'NaN');
  ctx.log(`copying ${(size / 1048576).toFixed(1)} MiB to ${peer.address}`);
  await run(src.shell, copyArgv(ctx.sshConfig, peer, fromDir, toDir), {
    timeout: STEP_TIMEOUT,
  });
  const tCopied = nowS();
  ctx.log(`docker start --checkpoint ${cp}`);
  await run(tgt.shell, dockerArgv(tgtSock, ['start', '--checkpoint', cp, targetId]), {
    timeout: STEP_TIMEOUT,
  });
  const t1 = nowS();
  const sourceLog = await src.runtime.logs(info.id, { tail: 1_000_000 });
  ctx.log(
    `checkpoint ${(tFrozenDone - t0).toFixed(1)} s, copy ${(tCopied - tFrozenDone).toFixed(1)} s, start ${(t1 - tCopied).toFixed(1)} s`,
  );
  return { targetId, totalS: t1 - t0, bytesOnWire: Number.isFinite(size) ? size : 0, rounds: 0, sourceLog };
}
