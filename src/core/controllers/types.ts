// The controller contract: a pure function of (observation, policy, its own state, dt) → desired count.
import type { Desired, Observation, ServiceEstimates, ServicePolicy } from '../types.js';

/** How long the service takes to react, as measured (core/latency.ts) or assumed until measured. */
export interface Reaction {
  /** Request → running for one of its containers (s). */
  readonly startS: number;
  /** Request → gone for one of its containers (s). */
  readonly stopS: number;
  /** What a start must first wait for: the stop of a lower-priority container when the pool is full, else 0 (s). */
  readonly preemptS: number;
}

export interface ControllerInput {
  readonly policy: ServicePolicy;
  /** The latest reading; undefined when the service has no metric (a remainder service may have none). */
  readonly observation: Observation | undefined;
  /** running + starting now: what the service has, as far as the engine knows. */
  readonly current: number;
  /** Of those, the ones running (working) now; defaults to `current`. */
  readonly running?: number;
  /** Seconds since the previous decision for this service (0 on the first). */
  readonly dtS: number;
  /**
   * Container-seconds worked since the previous decision by containers that became running after it,
   * from the engine's moments (ActualState.runningAtMs; core/step.ts); absent where the engine gives none.
   * The sla target's rate learning counts them (a container that ran for half the tick did half a tick's work).
   */
  readonly newlyRunningS?: number | undefined;
  /** Start, stop and pre-emption latency; the controllers that plan ahead (sla) use it. */
  readonly reaction?: Reaction | undefined;
  /**
   * Whether a container this service stops would go to work: another service of the pool wants more than
   * it has (core/step.ts). False when every other one reads an empty queue and has what it asked for: a
   * stop then frees a slot nobody uses. Default true.
   */
  readonly slotWanted?: boolean | undefined;
}

export interface ControllerOutput<S> {
  readonly desired: Desired;
  readonly state: S;
  /** Why, in words: "queue 180 > target 50". */
  readonly reason: string;
  /** What the controller measured (arrivals, rate per container), when it measures anything. */
  readonly estimates?: Partial<ServiceEstimates> | undefined;
}

export interface Controller<S> {
  readonly kind: string;
  initialState(): S;
  decide(input: ControllerInput, state: S): ControllerOutput<S>;
}

export function clampCount(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
