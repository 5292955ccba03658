/**
 * The dynamic provider object of `ferry.Container`. Pulumi serializes it into the state as text, with
 * everything it captures, so it is THIN: each method loads the real implementation (`operations.ts`) at
 * run time in the provider process with `require`, and forwards the call. It captures two strings (the
 * path of that module and of the tsconfig to run it from source) and nothing else: no ssh2, no dockerode,
 * no zod. A change of Ferry's code therefore changes no resource (the diff ignores `__provider`).
 */
import * as path from 'node:path';
import type * as pulumi from '@pulumi/pulumi';

/** Where the implementation is: the module path and, when it is TypeScript source, the tsconfig to use. */
export interface ImplLocation {
  /** Absolute path of `operations.ts` (source checkout) or `operations.js` (built package). */
  readonly module: string;
  /** Absolute path of tsconfig.json when `module` is TypeScript (ts-node is registered in the provider). */
  readonly tsconfig: string | undefined;
}

/** The implementation next to this file. */
export function defaultImplLocation(): ImplLocation {
  const module = require.resolve('./operations');
  return {
    module,
    tsconfig: module.endsWith('.ts') ? path.resolve(__dirname, '..', '..', 'tsconfig.json') : undefined,
  };
}

/** The provider object. Its methods run in the Pulumi provider process, not in the program. */
export function ferryProvider(impl: ImplLocation = defaultImplLocation()): pulumi.dynamic.ResourceProvider {
  const implModule = impl.module;
  const tsconfig = impl.tsconfig;
  // Loads operations.ts/js in the provider process; Node's module cache makes its state process-wide.
  const ops = (): import('./operations').FerryOperations => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const nodeModule = require('node:module') as typeof import('node:module');
    const load = nodeModule.createRequire(implModule);
    const registered = Symbol.for('ts-node.register.instance');
    if (tsconfig !== undefined && !(registered in process)) {
      (load('ts-node') as typeof import('ts-node')).register({ transpileOnly: true, project: tsconfig });
    }
    return (load(implModule) as typeof import('./operations')).sharedOperations();
  };
  return {
    async configure(req) {
      ops().configure(req.config);
    },
    async check(_olds, news) {
      return ops().check(news as Record<string, unknown>);
    },
    async diff(_id, olds, news) {
      return ops().diff(olds as Record<string, unknown>, news as Record<string, unknown>);
    },
    async create(inputs) {
      return ops().create(inputs as Record<string, unknown>);
    },
    async read(id, props) {
      return ops().read(id, (props ?? {}) as Record<string, unknown>);
    },
    async update(id, olds, news) {
      return ops().update(id, olds as Record<string, unknown>, news as Record<string, unknown>);
    },
    async delete(id, props) {
      await ops().delete(id, props as Record<string, unknown>);
    },
  };
}
