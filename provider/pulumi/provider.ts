/**
 * The dynamic provider object of `ferry.Container`. Pulumi serializes it into the state as text, with
 * everything it captures, so it is THIN: each method loads the real implementation (`operations.ts`) at
 * run time in the provider process with `require`, and forwards the call. It captures three strings and
 * nothing else: no ssh2, no dockerode, no zod. A change of Ferry's code therefore changes no resource (the
 * diff ignores `__provider`).
 *
 * Where the implementation is found at run time, in this order:
 * 1. the package by its name (`@ferry/pulumi/internal/operations`), resolved from the provider process's
 *    working directory: the Pulumi project that installed Ferry. So the state names no path of the machine
 *    that ran `pulumi up` first, and the stack keeps working when Ferry's own checkout moves or is deleted;
 * 2. else the file that the program loaded when it last ran (`fallback`), if it still exists: a program run
 *    from Ferry's own sources, where the package is not installed by name.
 */
import type * as pulumi from '@pulumi/pulumi';

/** The package name under which Ferry is installed, and its subpath that exports the implementation. */
export const OPERATIONS_SPECIFIER = '@ferry/pulumi/internal/operations';

/** Where the implementation is. */
export interface ImplLocation {
  /** Bare specifier resolved from the provider process's working directory (the Pulumi project). */
  readonly specifier: string;
  /** Absolute path of `operations.js` or `.ts` as the program found it, used when `specifier` is not found. */
  readonly fallback: string;
  /** Absolute path of tsconfig.json when `fallback` is TypeScript (ts-node is registered for it). */
  readonly tsconfig: string | undefined;
}

/** The implementation next to this file. */
export function defaultImplLocation(): ImplLocation {
  const fallback = require.resolve('./operations');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const path = require('node:path') as typeof import('node:path');
  return {
    specifier: OPERATIONS_SPECIFIER,
    fallback,
    tsconfig: fallback.endsWith('.ts') ? path.resolve(__dirname, '..', '..', 'tsconfig.json') : undefined,
  };
}

/** The provider object. Its methods run in the Pulumi provider process, not in the program. */
export function ferryProvider(impl: ImplLocation = defaultImplLocation()): pulumi.dynamic.ResourceProvider {
  const specifier = impl.specifier;
  const fallback = impl.fallback;
  const tsconfig = impl.tsconfig;
  // Loads operations.js/ts in the provider process; Node's module cache makes its state process-wide.
  const ops = (): import('./operations').FerryOperations => {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const nodeModule = require('node:module') as typeof import('node:module');
    const nodePath = require('node:path') as typeof import('node:path');
    const nodeFs = require('node:fs') as typeof import('node:fs');
    /* eslint-enable @typescript-eslint/no-require-imports */
    const fromProject = nodeModule.createRequire(nodePath.join(process.cwd(), 'ferry-provider.js'));
    let found: string | undefined;
    try {
      found = fromProject.resolve(specifier);
    } catch {
      found = undefined;
    }
    if (found === undefined) {
      if (!nodeFs.existsSync(fallback)) {
        throw new Error(
          `ferry: cannot load Ferry's provider: "${specifier}" is not installed in ${process.cwd()}, and ${fallback} (where it was when the program last ran) is gone; run \`npm install @ferry/pulumi\` in the Pulumi project, then \`pulumi up\``,
        );
      }
      found = fallback;
    }
    const load = nodeModule.createRequire(found);
    const registered = Symbol.for('ts-node.register.instance');
    if (found.endsWith('.ts') && tsconfig !== undefined && !(registered in process)) {
      (load('ts-node') as typeof import('ts-node')).register({ transpileOnly: true, project: tsconfig });
    }
    return (load(found) as typeof import('./operations')).sharedOperations();
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
