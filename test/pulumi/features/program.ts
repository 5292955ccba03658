/**
 * The Pulumi program of the features test (`test/pulumi/features.it.test.ts`), run by the real CLI from a
 * project the test writes in a temporary directory. One {@link Recorder} whose inputs come from the stack
 * config, plus exports that show how the program was compiled and run and what config it read.
 */
import * as pulumi from '@pulumi/pulumi';
import { Recorder, recorderProvider } from './recorder';

const config = new pulumi.Config();
if (config.getBoolean('failProgram')) throw new Error('features: the program failed on purpose');

/** Structured config (set with `pulumi config set-all --path`). */
interface Settings {
  limits: { cpu: number | string; memory: string };
  zones: string[];
}

const settings = config.getObject<Settings>('settings');
const credentials = config.requireSecretObject<{ user: string; token: string }>('credentials');

const recorder = new Recorder(
  'recorder',
  { zone: config.require('zone'), size: config.requireNumber('size'), failIn: config.get('failIn') },
  recorderProvider({
    callLog: config.require('callLog'),
    configKeys: ['ferry:clusters', `${pulumi.getProject()}:settings`, `${pulumi.getProject()}:credentials`],
    projectModule: config.require('projectModule'),
  }),
);

export const recorderId = recorder.id;
export const observed = recorder.observed;
export const size = recorder.size;
export const refreshed = recorder.refreshed;
export const probe = recorder.probe;
/** What `getObject` gave. */
export const settingsSeen = settings;
/** From `requireSecretObject`: a secret output. */
export const credentialsUser = credentials.apply((c) => c.user);
/** `target` of the tsconfig ts-node compiled this file with: async functions stay native from ES2017 on. */
export const compiledFor = (async () => undefined).toString().includes('__awaiter')
  ? 'below ES2017'
  : 'ES2017 or later';
/** Node's options of the program process (Pulumi.yaml `nodeargs` would add to them). */
export const execArgv = process.execArgv;
/** The project root as the language host told the program (`--root-directory`). */
export const rootDirectory = pulumi.getRootDirectory();
