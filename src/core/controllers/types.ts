// The controller contract: a pure function of (observation, policy, its own state, dt) → desired count.
import type { Desired, Observation, ServicePolicy } from '../types.js';

export interface ControllerInput {
  readonly policy: ServicePolicy;
  /** The latest reading; undefined when the service has no metric (remainder services). */
  readonly observation: Observation | undefined;
  /** running + starting now: what the service has, as far as the engine knows. */
  readonly current: number;
  /** Of those, the ones running (working) now; defaults to `current`. */
  readonly running?: number;
  /** Seconds since the previous decision for this service (0 on the first). */
  readonly dtS: number;
}

export interface ControllerOutput<S> {
  readonly desired: Desired;
  readonly state: S;
  /** Why, in words: "queue 180 > target 50". */
  readonly reason: string;
}

export interface Controller<S> {
  readonly kind: string;
  initialState(): S;
  decide(input: ControllerInput, state: S): ControllerOutput<S>;
}

export function clampCount(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
