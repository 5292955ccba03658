/**
 * The dynamic provider of the Pulumi features test (`test/pulumi/features.it.test.ts`). It appends every
 * call it gets to a file, one JSON line each: the method, its arguments (without `__provider`), and the
 * provider process's pid and working directory. It behaves like a small resource:
 * - a change of `zone` replaces it, deleting the old one first (`replaces`, `deleteBeforeReplace`);
 * - a change of `size` updates it in place;
 * - `create` loads a module resolved from the provider process's working directory with
 *   `module.createRequire`, as Ferry's provider loads `@ferry/pulumi/internal/operations`;
 * - `read` counts refreshes in the `refreshed` output, so a refresh always changes the outputs;
 * - `failIn: 'create' | 'update'` makes that method throw.
 * Like Ferry's provider (provider/pulumi/provider.ts), it captures strings only and requires Node's modules
 * inside its methods, since Pulumi serializes the provider object into the state as text.
 */
import * as pulumi from '@pulumi/pulumi';

/** The inputs of a {@link Recorder}. */
export interface RecorderArgs {
  /** A change replaces the resource (delete before create). */
  zone: pulumi.Input<string>;
  /** A change updates it in place. */
  size: pulumi.Input<number>;
  /** `create` or `update`: that method throws {@link FAILURE_MESSAGE}. */
  failIn?: pulumi.Input<string | undefined>;
}

/** The start of the message of the error thrown by the method named in `failIn`. */
export const FAILURE_MESSAGE = 'features: the provider failed on purpose in';

/** One line of the call log. */
export interface RecordedCall {
  readonly method: 'configure' | 'check' | 'diff' | 'create' | 'read' | 'update' | 'delete';
  readonly pid: number;
  readonly cwd: string;
  readonly [field: string]: unknown;
}

/** What the provider is told by the program. */
export interface RecorderOptions {
  /** Absolute path of the call log (JSON lines). */
  readonly callLog: string;
  /** Stack config keys (`namespace:name`) that `configure` reads with `req.config.get` and records. */
  readonly configKeys: readonly string[];
  /** A bare module specifier that `create` resolves from `process.cwd()` and loads. */
  readonly projectModule: string;
}

/** The provider object. Its methods run in the provider process. */
export function recorderProvider(options: RecorderOptions): pulumi.dynamic.ResourceProvider {
  const callLog = options.callLog;
  const configKeys = [...options.configKeys];
  const projectModule = options.projectModule;
  // a local copy: an exported constant would be read through `exports`, and Pulumi would serialize the module
  const failureMessage = FAILURE_MESSAGE;
  const plain = (props: unknown): Record<string, unknown> =>
    Object.fromEntries(
      Object.entries((props ?? {}) as Record<string, unknown>).filter(([k]) => k !== '__provider'),
    );
  const record = (method: RecordedCall['method'], args: Record<string, unknown>): void => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const fs = require('node:fs') as typeof import('node:fs');
    fs.appendFileSync(
      callLog,
      `${JSON.stringify({ method, pid: process.pid, cwd: process.cwd(), ...args })}\n`,
    );
  };
  const failIf = (method: string, inputs: Record<string, unknown>): void => {
    if (inputs.failIn === method) throw new Error(`${failureMessage} ${method}`);
  };
  return {
    async configure(req) {
      record('configure', {
        config: Object.fromEntries(configKeys.map((k) => [k, req.config.get(k) ?? null])),
      });
    },
    async check(olds, news) {
      record('check', { olds: plain(olds), news: plain(news) });
      return { inputs: news as Record<string, unknown> };
    },
    async diff(id, olds, news) {
      const o = plain(olds);
      const n = plain(news);
      const replaces = o.zone !== n.zone ? ['zone'] : [];
      const result = {
        changes: replaces.length > 0 || o.size !== n.size,
        replaces,
        deleteBeforeReplace: replaces.length > 0,
      };
      record('diff', { id, olds: o, news: n, result });
      return result;
    },
    async create(inputs) {
      const ins = plain(inputs);
      /* eslint-disable @typescript-eslint/no-require-imports */
      const nodeModule = require('node:module') as typeof import('node:module');
      const nodePath = require('node:path') as typeof import('node:path');
      const crypto = require('node:crypto') as typeof import('node:crypto');
      /* eslint-enable @typescript-eslint/no-require-imports */
      const fromProject = nodeModule.createRequire(nodePath.join(process.cwd(), 'features-provider.js'));
      const probePath = fromProject.resolve(projectModule);
      const probe = (fromProject(projectModule) as { marker: string }).marker;
      const id = `${String(ins.zone)}-${crypto.randomUUID().slice(0, 8)}`;
      record('create', { inputs: ins, id, probePath });
      failIf('create', ins);
      return { id, outs: { ...ins, observed: 'created', refreshed: 0, probe, probePath } };
    },
    async read(id, props) {
      const p = plain(props);
      record('read', { id, props: p });
      return { id, props: { ...p, refreshed: Number(p.refreshed ?? 0) + 1 } };
    },
    async update(id, olds, news) {
      const o = plain(olds);
      const n = plain(news);
      record('update', { id, olds: o, news: n });
      failIf('update', n);
      return { outs: { ...o, ...n, observed: 'updated' } };
    },
    async delete(id, props) {
      record('delete', { id, props: plain(props) });
    },
  };
}

/** The resource of the features test. */
export class Recorder extends pulumi.dynamic.Resource {
  /** Input: where it is. */
  declare readonly zone: pulumi.Output<string>;
  /** Input: how big it is. */
  declare readonly size: pulumi.Output<number>;
  /** `created` or `updated`: the last method that wrote the outputs. */
  declare readonly observed: pulumi.Output<string>;
  /** How many times `read` ran (refresh). */
  declare readonly refreshed: pulumi.Output<number>;
  /** The `marker` export of the module `create` loaded from the provider's working directory. */
  declare readonly probe: pulumi.Output<string>;
  /** Where that module was resolved. */
  declare readonly probePath: pulumi.Output<string>;

  constructor(name: string, args: RecorderArgs, provider: pulumi.dynamic.ResourceProvider) {
    super(
      provider,
      name,
      { ...args, observed: undefined, refreshed: undefined, probe: undefined, probePath: undefined },
      undefined,
      'features',
      'Recorder',
    );
  }
}
