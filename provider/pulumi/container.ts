/**
 * `ferry.Container`: a container whose placement is a property. Change `placement` and run `pulumi up`:
 * the container moves live (checkpoint/restore with pre-copy) to the new cluster.
 */
import * as pulumi from '@pulumi/pulumi';
import type { MigrationSummary, ObservedState } from './outputs';
import { ferryProvider } from './provider';

let provider: pulumi.dynamic.ResourceProvider | undefined;

/** One provider object for all containers of a program (Pulumi serializes it once and caches the text). */
function sharedProvider(): pulumi.dynamic.ResourceProvider {
  provider ??= ferryProvider();
  return provider;
}

/** Where a container runs. */
export interface PlacementArgs {
  /** Cluster name, one of the `ferry:clusters` config. */
  cluster: pulumi.Input<string>;
  /** Host name within the cluster; default: the cluster's first host, and any host of it is acceptable. */
  host?: pulumi.Input<string>;
}

/** How a placement change is carried out. Changing only these fields never touches the container. */
export interface MigrationPolicyArgs {
  /**
   * `auto` (default: the planner chooses from measurements), `pre-copy` (iterative copy while running),
   * `stop-and-copy` (freeze, copy everything, restore). `post-copy` is refused by this release's check.
   */
  strategy?: pulumi.Input<'auto' | 'pre-copy' | 'post-copy' | 'stop-and-copy'>;
  /** Longest acceptable downtime, a duration with a unit such as `"300ms"` (default 300 ms). */
  targetDowntime?: pulumi.Input<string>;
  /**
   * Overall time limit of one migration, a duration such as `"10m"` (default 30 min). Pulumi's
   * `customTimeouts` do not reach dynamic providers: this is the limit that applies.
   */
  timeout?: pulumi.Input<string>;
  /** Whether post-copy (lazy pages) may be chosen (default false). */
  postCopyAllowed?: pulumi.Input<boolean>;
  /** Whether a downtime above `targetDowntime` is acceptable when nothing meets it (engine default true). */
  extraDowntimeAcceptable?: pulumi.Input<boolean>;
  /** Cap on pre-copy rounds (a whole number, default 10). */
  maxRounds?: pulumi.Input<number>;
  /**
   * The calibration profile the planner takes its costs from: a name (default `testbed-2026-11-22`, or one
   * made by `ferry calibrate`) or the path of a profile file. See docs/model.md, "Calibration".
   */
  calibrationProfile?: pulumi.Input<string>;
}

/** Resource limits. A change replaces the container. */
export interface ResourcesArgs {
  /** Memory limit, a size such as `"256MiB"`. */
  memory?: pulumi.Input<string>;
  /** CPU quota in CPUs, e.g. `0.5`. */
  cpus?: pulumi.Input<number>;
}

/** A published port (the names of @pulumi/docker's `ports`). */
export interface PortArgs {
  /** Port inside the container. */
  internal: pulumi.Input<number>;
  /** Port on the host (default: `internal`), the same on every cluster. */
  external?: pulumi.Input<number>;
  /** `tcp` (default) or `udp`. */
  protocol?: pulumi.Input<'tcp' | 'udp'>;
  /** Host address to bind (default: every address). */
  ip?: pulumi.Input<string>;
}

/** A user-defined network (the names of @pulumi/docker's `networksAdvanced`). */
export interface NetworkArgs {
  /** Network name. */
  name: pulumi.Input<string>;
  /** Names of the container on that network. */
  aliases?: pulumi.Input<pulumi.Input<string>[]>;
}

/** Where a client reaches one published port. */
export interface EndpointOutput {
  /** `tcp` or `udp`. */
  protocol: 'tcp' | 'udp';
  /** Address of the host that runs the container. */
  host: string;
  /** Port on that host. */
  port: number;
}

/** The inputs of a {@link Container}. */
export interface ContainerArgs {
  /** Docker container name, the same on every cluster (default: the Pulumi resource name). A change replaces. */
  name?: pulumi.Input<string>;
  /** Image reference; it must be present on the target host (or is sent there). A change replaces. */
  image: pulumi.Input<string>;
  /** Command argv (overrides the image's CMD). A change replaces. */
  command?: pulumi.Input<pulumi.Input<string>[]>;
  /** Environment variables. A change replaces. */
  env?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Extra labels (Ferry adds `ferry.resource` and `ferry.managed-by`). A change replaces. */
  labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Resource limits. A change replaces. */
  resources?: pulumi.Input<ResourcesArgs>;
  /**
   * Docker network mode: `bridge` (default), `none`, or a user-defined network's name (default: the one of
   * `networks`). `host` and `container:<id>` cannot be moved. A change replaces.
   */
  networkMode?: pulumi.Input<string>;
  /**
   * Published ports, the same host port on every cluster (`external` defaults to `internal`, `protocol` to
   * `tcp`; `ip` binds one host address). Preflight checks that each is free on the target. A change replaces.
   */
  ports?: pulumi.Input<pulumi.Input<PortArgs>[]>;
  /**
   * A user-defined network to attach to, with aliases (at most one today). Preflight checks that it exists on
   * the target. A change replaces.
   */
  networks?: pulumi.Input<pulumi.Input<NetworkArgs>[]>;
  /**
   * Restart policy (default `no`). During a migration no restart manager starts a second copy: the policy is
   * set to `no` for the switchover and put back on the copy that ends up running. A change replaces.
   */
  restart?: pulumi.Input<'no' | 'on-failure' | 'always' | 'unless-stopped'>;
  /** Where the container runs. A change is a live migration (an in-place update, never a replace). */
  placement: pulumi.Input<PlacementArgs>;
  /** How migrations are carried out. */
  migration?: pulumi.Input<MigrationPolicyArgs>;
  /**
   * Health probe run on the target host after a migration (argv; env `FERRY_CONTAINER_ID` and
   * `FERRY_CONTAINER_PID` are set). Exit 0 means healthy; otherwise the migration is rolled back.
   */
  healthProbe?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Cutover hook: a program (argv) run on the machine running Pulumi with where clients reach the service
   * now as JSON on stdin (`{version, phase, migrationId, container, from, to, endpoints, previous}`), right
   * after the moved container runs (before it is verified and before the source is removed), and again with the old
   * endpoints after a rollback. Exit 0 means done; a failure rolls the move back. This switches a front door
   * as early as possible, not at the end of `pulumi up`.
   */
  cutover?: pulumi.Input<pulumi.Input<string>[]>;
}

/** A container managed by Ferry whose placement is a property. */
export class Container extends pulumi.dynamic.Resource {
  /** Docker container name. */
  declare readonly name: pulumi.Output<string>;
  /** Image reference. */
  declare readonly image: pulumi.Output<string>;
  /** Docker id of the container; a new one after every migration. */
  declare readonly containerId: pulumi.Output<string>;
  /** Cluster the container runs on (what refresh found, or where the last migration left it). */
  declare readonly cluster: pulumi.Output<string>;
  /** Host within `cluster`. */
  declare readonly host: pulumi.Output<string>;
  /** Lifecycle state as last seen (`running`, `exited`, ...). */
  declare readonly state: pulumi.Output<ObservedState>;
  /** The desired placement (input). */
  declare readonly placement: pulumi.Output<{ cluster: string; host?: string }>;
  /** Report of the last live migration: predicted beside measured (seconds, bytes). */
  declare readonly lastMigration: pulumi.Output<MigrationSummary | undefined>;
  /**
   * Where clients reach the service now, one entry per published port. It changes after a move, so a
   * downstream resource (a DNS record, a load balancer) that reads it follows the container.
   */
  declare readonly endpoints: pulumi.Output<EndpointOutput[]>;

  /**
   * @param name - Pulumi resource name (also the default container name).
   * @param args - the container and where it runs.
   * @param opts - resource options (`customTimeouts` has no effect: use `migration.timeout`).
   */
  constructor(name: string, args: ContainerArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      sharedProvider(),
      name,
      {
        ...args,
        name: args.name ?? name,
        containerId: undefined,
        cluster: undefined,
        host: undefined,
        state: undefined,
        lastMigration: undefined,
        endpoints: undefined,
      },
      opts,
      'ferry',
      'Container',
    );
  }
}
