// The engine contract: how to read and set the container count of each service on one orchestrator.
// Level-triggered: `apply` drives toward the plan from what `observe` sees, never from its own memory.
// Each kind lives in engines/<kind>/ with a zod schema for its `engine:` block and for the extra keys
// it needs on each service (image, deployment, ...), and is listed once in engines/index.ts.
import type { z } from 'zod';
import type { Resources } from '../core/resources.js';
import type { ActualState, PrepareStarts } from '../core/types.js';
import type { Logger } from '../log/logger.js';
import type { PluginStatus } from '../plugin-status.js';

/** One service as an engine sees it: its name, its grace period, and its engine-specific keys. */
export interface EngineService<S = Record<string, unknown>> {
  readonly name: string;
  readonly stopGracePeriodMs: number;
  readonly options: S;
}

export interface ApplyTarget {
  readonly name: string;
  /** running + starting to drive to. */
  readonly replicas: number;
  /**
   * Starts that wait for room (the plan's PlanEntry.prepare). An engine that pipelines prepares them now
   * (creates the containers, which hold no place in the pool) and starts the n-th the moment the
   * `afterExits + n`-th container of the pool exits after this apply, without waiting for a tick; a later
   * apply replaces them (cancelling those no longer wanted). While a prepared start has begun but the
   * next plan does not know it yet, the service may hold up to `replicas + prepare.count`: such a
   * container is not stopped. Engines that do not pipeline ignore it: the next tick starts into the room.
   */
  readonly prepare?: PrepareStarts;
}

export interface ObserveOptions {
  /**
   * False when the agent may not act (`--dry-run`, paused, a standby replica): an engine that tidies up
   * while it reads (docker: adopting a container a killed agent left, removing crashed ones) changes
   * nothing then. Default true.
   */
  readonly act?: boolean;
}

export interface Engine {
  /** The actual state of every configured service. Rejects with an EngineError when unreachable. */
  observe(options?: ObserveOptions): Promise<Map<string, ActualState>>;
  /** Start or stop toward each target. Resolves once the changes are under way, not when they finish. */
  apply(targets: readonly ApplyTarget[]): Promise<void>;
  /** Engines that learn of changes at once (events, watches) call `onChange` so the agent can tick now. */
  watch?(onChange: () => void): () => void;
  /**
   * A config reload changed the services (added, removed, or their engine keys): from now on serve
   * exactly these. Called before the new config is in force. Rejects, changing nothing, when a new
   * service cannot be served (a workload that does not exist, a bad image/service pair...): the agent
   * then refuses the reload and keeps the running config. A removed service's containers are left as
   * they are: the engine stops reading and scaling them.
   */
  reconfigure?(services: readonly EngineService[]): Promise<void>;
  /**
   * For `capacity: auto` (engines whose kind has `autoCapacity`): the resources the pool may use now.
   * Throws an EngineError when that cannot be known (a watch is down), so the agent holds.
   */
  poolCapacity?(): Resources;
  close(): Promise<void>;
}

/** The common service keys an engine may not apply. */
export type IgnorableKey = 'stopGracePeriod';

export interface EnginePool {
  readonly resources: readonly string[];
  readonly capacity?: Resources;
  readonly auto: boolean;
}

export interface EngineContext {
  readonly log: Logger;
  readonly nowMs: () => number;
  /**
   * A pool in resources (`capacity: {cpu, memory}` or auto), when the config has one: its resources, its
   * amounts (absent for auto), and whether the engine must work it out (Engine.poolCapacity). An engine
   * that reads each service's size from its workload (`sizes: 'workload'`) refuses a workload that does
   * not request them all, or requests more than the whole pool.
   */
  readonly pool?: EnginePool;
}

/** Only the replica that holds the lead acts; the others observe and stand by. */
export interface LeaderElection {
  isLeader(): boolean;
  /** Called with the new state each time this replica gains or loses the lead. */
  on(event: 'change', listener: (leading: boolean) => void): unknown;
  start(): void;
  /** Stops campaigning and gives up the lead (if held) so another replica takes over at once. */
  stop(): Promise<void>;
}

export interface EngineKind<C extends { kind: string } = { kind: string }, S = Record<string, unknown>> {
  readonly kind: string;
  readonly status: PluginStatus;
  readonly description: string;
  /** The `engine:` block, including `kind: <kind>`; strict. */
  readonly schema: z.ZodType<C, z.ZodTypeDef, unknown>;
  /** Extra keys each service may or must carry on this engine (e.g. image for docker). */
  readonly serviceShape: z.ZodRawShape;
  /**
   * Common service keys this engine does not apply, each with what holds instead (one line). A config that
   * sets one gets a warning at start (agent/wiring.ts), never silence.
   */
  readonly ignoredKeys?: Readonly<Partial<Record<IgnorableKey, string>>>;
  /**
   * Where a container's size comes from when the pool is in resources: the service's `cpu:`/`memory:`
   * keys (the default), or the workload itself (Kubernetes: the pod template's requests, reported in
   * ActualState.size), in which case those keys are refused.
   */
  readonly sizes?: 'config' | 'workload';
  /** True when the engine can work out `capacity: auto` from the nodes it runs on (Engine.poolCapacity). */
  readonly autoCapacity?: boolean;
  /**
   * Optional: leader election among replicas of the agent, offered by the kind (Kubernetes: a Lease). Returns
   * undefined when the `engine:` block does not ask for it; then the agent always acts.
   */
  leaderElection?(config: C, log: Logger): LeaderElection | undefined;
  create(config: C, services: readonly EngineService<S>[], context: EngineContext): Engine | Promise<Engine>;
  /**
   * Checks across the services that only this engine knows (two services on one workload, say), run by
   * validate: problem lines with their YAML paths. Whatever `create` would refuse for the config belongs
   * here, so `run` refuses exactly what `validate` refuses.
   */
  checkServices?(config: C, services: readonly EngineService<S>[]): string[];
  /**
   * The same checks with what only this machine knows (Kubernetes: the kubeconfig context's namespace),
   * run by the config loader (agent/config-loader.ts) on a config that passed the rest, for `validate`
   * and `run` alike; never by config/, which does no I/O. Local file reads only, never the network;
   * what it cannot read it leaves to `create`.
   */
  checkServicesLocally?(config: C, services: readonly EngineService<S>[]): string[];
}

export function defineEngine<C extends { kind: string }, S>(kind: EngineKind<C, S>): EngineKind {
  return kind as unknown as EngineKind;
}
