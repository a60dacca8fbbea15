// The vocabulary of one tick, shared by the pure core, the agent, the engines and the simulator.
// Nothing here does I/O.
import type { Resources } from './resources.js';

/** A number read from a source, stamped with when it was read (ms since the epoch, or simulated ms). */
export interface Observation {
  readonly value: number;
  readonly atMs: number;
  /**
   * Messages/s arriving, measured over the last interval, when the service has an `arrivals:` metric
   * (a publish rate, a counter's rate). The PID uses it as feed-forward instead of estimating the
   * arrivals from the queue's slope, which an empty queue cannot show.
   */
  readonly arrivalRate?: number | undefined;
}

/** What an engine reports for one service. Containers still stopping occupy the pool. */
export interface ActualState {
  readonly running: number;
  readonly starting: number;
  readonly stopping: number;
  /** Containers per host, where the engine knows hosts. */
  readonly nodes?: Readonly<Record<string, number>>;
  /**
   * Why some of its containers are not becoming ready, where the engine can tell (one line, e.g. "2 of 3
   * pods not Ready: ErrImageNeverPull (...)"); absent when none is stuck. Shown per service; not used to decide.
   */
  readonly problem?: string;
  /** What one container takes, where the engine knows it (Kubernetes: the pod template's requests). */
  readonly size?: Resources;
  /**
   * Containers prepared for a start that waits for room (created, not started): they hold no place in
   * the pool and are not counted in running, starting or stopping. Absent on engines that do not prepare.
   */
  readonly prepared?: number;
  /**
   * When its containers that became running lately did so, and when those asked to stop lately were
   * gone (exited), as the engine recorded them (ms since the epoch on the engine's clock; simulated time
   * in the simulator), oldest first; at least those of the containers it counts as started or gone since
   * the previous read. Absent where the engine does not say: latency.ts then times a start or stop to the
   * read that saw it finish.
   */
  readonly runningAtMs?: readonly number[];
  readonly goneAtMs?: readonly number[];
}

export const EMPTY_STATE: ActualState = { running: 0, starting: 0, stopping: 0 };

/** How a service's desired count is chosen. */
export type TargetSpec =
  | { readonly kind: 'queueLength'; readonly queueLength: number }
  | { readonly kind: 'perContainer'; readonly perContainer: number }
  | { readonly kind: 'direct' }
  | { readonly kind: 'remainder' }
  /** The service's promise: the fewest containers that keep the queue (or a message's wait) within it (controllers/sla.ts). */
  | { readonly kind: 'sla'; readonly sla: SlaBound };

/** What an SLA target promises: the queue never longer than N, or a message never waiting longer than waitMs (queue ÷ (running × rate)). */
export type SlaBound = { readonly queueLength: number } | { readonly waitMs: number };

/** What microscale has measured about a service (live and in the simulator alike); null where it has no figure yet. */
export interface ServiceEstimates {
  /** Messages/s arriving: the smoothed mean and its standard deviation. */
  readonly arrivalRate: number | null;
  readonly arrivalRateStdDev: number | null;
  /** Messages/s one running container works through: configured, or learnt from the queue's drain. */
  readonly ratePerContainer: number | null;
  readonly ratePerContainerLearned: boolean;
  /** Request → running, request → gone, as measured from the engine (s). */
  readonly startLatencyS: number | null;
  readonly stopLatencyS: number | null;
  /** sla targets: the period of the arrivals' rises when they come at regular moments (s; controllers/sla-cadence.ts), null when none. */
  readonly risePeriodS: number | null;
}

/** The PID controller's tuning; every field has a default (see controllers/pid.ts). */
export interface PidTuning {
  readonly kp?: number | undefined;
  readonly ki?: number | undefined;
  readonly kd?: number | undefined;
  /** Errors within ±deadband (in metric units) count as zero. */
  readonly deadband?: number | undefined;
  readonly maxStepUp?: number | undefined;
  readonly maxStepDown?: number | undefined;
  /** Messages per second one container works through; enables feed-forward and scales the gains. */
  readonly ratePerContainer?: number | undefined;
  /**
   * With a measured arrival rate: how long the arrivals must stay below what the containers do before
   * the count comes down, to the most the arrivals needed over that time (ms). See controllers/pid.ts.
   */
  readonly scaleDownDelayMs?: number | undefined;
}

/** The policy of one service: everything the arbiter and the controller need. */
export interface ServicePolicy {
  readonly name: string;
  readonly priority: number;
  readonly min: number;
  readonly max: number;
  readonly target: TargetSpec;
  /** Tolerance of the proportional rule (HPA's default is 0.1). */
  readonly tolerance: number;
  readonly pid: PidTuning;
}

/** What a controller wants for one service this tick. */
export type Desired = { readonly kind: 'count'; readonly count: number } | { readonly kind: 'remainder' };

/** The arbiter's input for one service. */
export interface ArbiterService {
  readonly name: string;
  readonly priority: number;
  readonly min: number;
  readonly max: number;
  readonly desired: Desired;
  readonly actual: ActualState;
  /** What one container takes; required (in every resource of the pool) when the pool is in resources. */
  readonly size?: Resources | undefined;
}

/** The pool: a number of containers, or amounts of resources (resources.ts) that every container takes from. */
export type Capacity = number | Resources;

/** A pool in resources, resource by resource: its capacity, what occupies it, and what the plan gives out. */
export interface PoolUsage {
  readonly capacity: Resources;
  /** Taken by containers running, starting or stopping before the plan. */
  readonly used: Resources;
  /** Taken once every service is at its allocation. */
  readonly allocated: Resources;
  /** Taken right after the plan: stopping ones still hold theirs, new ones start. Never over capacity. */
  readonly planned: Resources;
}

/** One service's line of a plan: the count of live containers (running + starting) it should have now. */
export interface PlanEntry {
  readonly name: string;
  readonly priority: number;
  /** Where the service would be if nothing were in flight: its share of the pool. */
  readonly allocation: number;
  /** What the engine should drive running + starting to now (never over the pool). */
  readonly replicas: number;
  /** running + starting before this plan. */
  readonly current: number;
  /**
   * Starts that wait for room (allocation - replicas), to be prepared now and started by the engine as
   * containers of the pool exit: the n-th (from 1) may start once `afterExits + n` containers of the
   * pool have exited since the plan was applied. `afterExits` counts the exits that free no room (the
   * pool is over capacity) and those promised to services before this one. Only on a pool counted in
   * containers (a freed slot fits any container); absent when the service waits for nothing.
   */
  readonly prepare?: PrepareStarts;
  readonly reason: string;
}

/** See PlanEntry.prepare. */
export interface PrepareStarts {
  readonly count: number;
  readonly afterExits: number;
}

export interface Plan {
  /** Containers the pool holds (a pool in resources: the containers it allocates at their sizes). */
  readonly capacity: number;
  readonly entries: readonly PlanEntry[];
  /** Present when the pool is in resources. */
  readonly resources?: PoolUsage;
}

/** A change the agent made or would make, with a reason a person can read. */
export interface Decision {
  readonly atMs: number;
  readonly service: string;
  readonly from: number;
  readonly to: number;
  readonly reason: string;
  readonly dryRun: boolean;
}
