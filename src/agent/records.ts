// What the agent remembers of each tick: read by the CLI, the HTTP API, the dashboard and /metrics.
import type { Resources } from '../core/resources.js';
import type { Decision, PoolUsage, ServiceEstimates, TargetSpec } from '../core/types.js';

export interface ServiceTick {
  readonly name: string;
  readonly priority: number;
  /** The metric's value; null for remainder services or when the read failed. */
  readonly demand: number | null;
  /** The arrival rate (messages/s) the controller was given; null without `arrivals:` or when it could not be read. */
  readonly arrivalRate: number | null;
  readonly stale: boolean;
  readonly target: TargetSpec;
  /** What the controller asked for; for remainder services, the share of the pool they were given. */
  readonly desired: number;
  /** Its share of the pool once everything in flight settles. */
  readonly allocation: number;
  /** running + starting the engine was asked to drive to. */
  readonly planned: number;
  readonly running: number;
  readonly starting: number;
  readonly stopping: number;
  /** Starts prepared while they wait for room (created, not started): they hold no place in the pool, so not in `used`. */
  readonly prepared?: number;
  readonly nodes?: Readonly<Record<string, number>>;
  /** Why some of its containers are not becoming ready, as the engine tells (e.g. an image that is missing). */
  readonly problem?: string;
  /** What one container takes (base units: millicores, bytes), when the pool is in resources. */
  readonly size?: Resources;
  /** What microscale has measured of the service: arrivals, rate per container (sla targets), start and stop latency. */
  readonly estimates?: ServiceEstimates;
  readonly reason: string;
}

export interface TickRecord {
  readonly seq: number;
  readonly atMs: number;
  /** Seconds since the agent started. */
  readonly t: number;
  readonly durationMs: number;
  /** Containers the pool holds (a pool in resources: the containers it allocates at their sizes). */
  readonly capacity: number;
  /** A pool in resources, resource by resource (base units: millicores, bytes). */
  readonly resources?: PoolUsage;
  /** Containers running, starting or stopping: what occupies the pool. */
  readonly used: number;
  readonly paused: boolean;
  readonly dryRun: boolean;
  /** Present with leader election: true while this replica is a standby (decides, does not act). */
  readonly standby?: boolean;
  readonly services: readonly ServiceTick[];
  readonly decisions: readonly Decision[];
  readonly engineError: string | null;
  readonly sourceErrors: readonly { readonly service: string; readonly message: string }[];
  /** Failed `arrivals:` reads this tick: those services decided from their queue alone (not held). */
  readonly arrivalErrors: readonly { readonly service: string; readonly message: string }[];
}
