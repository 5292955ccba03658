/**
 * Edge adapters of Ferry: reaching hosts over SSH (`RemoteShell`) and their Docker Engines
 * (`ContainerRuntime`). Importing this loads neither ssh2 nor dockerode; they load on connect.
 */
export * from './commands';
export * from './connect';
export type * from './container-runtime';
export {
  dockerodeRuntimeOverShell,
  localDockerodeRuntime,
  type DockerodeRuntimeOptions,
} from './dockerode-runtime';
export { fingerprint, parsePinnedHostKey, type PinnedHostKey } from './host-key';
export type * from './remote-shell';
export * from './run';
export { quoteArg, quoteArgv } from './shell-quote';
export { connectSsh2Shell, type Ssh2ShellOptions } from './ssh2-shell';
