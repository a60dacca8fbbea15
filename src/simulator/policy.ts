// The contract every simulated policy meets (microscale and the baselines): once per tick it sees
// what an autoscaler could observe and returns the live count (running + starting) each service
// should be driven to. The pool is shared: a policy never returns more than the capacity in total.
import { arbitrate } from '../core/arbiter.js';
import type { ActualState } from '../core/types.js';
import type { Scenario, SimService } from './scenario.js';
import type { Trace } from './trace.js';

export interface ServiceView {
  readonly service: SimService;
  readonly actual: ActualState;
  /** Messages waiting now (0 for remainder services). */
  readonly queue: number;
  /** Messages/s arriving now (what a request-rate metric would show). */
  readonly arrivalRate: number;
  /** Busy fraction of the running containers over the last tick (what a CPU metric would show). */
  readonly busyFraction: number;
}

export interface Policy {
  readonly name: string;
  decide(tS: number, dtS: number, views: readonly ServiceView[]): ReadonlyMap<string, number>;
}

export interface PolicyContext {
  readonly scenario: Scenario;
  readonly trace: Trace;
  /** For `static`: containers per service with a queue (default: sized for the trace's p95 rate). */
  readonly staticCounts?: ReadonlyMap<string, number> | undefined;
}

export const POLICY_NAMES = ['microscale', 'hpa', 'keda', 'kpa', 'static', 'oracle'] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

/**
 * Places each service's replica count on the shared pool the way kube-scheduler does with a
 * PriorityClass per priority and preemption on (the most favourable setup for the per-service
 * baselines): higher priority first, lower priority pods evicted to make room, pods past capacity
 * pending until room frees. That is the arbiter's allocation rule, so it is reused, with each
 * autoscaler's own replica count as the desired count.
 */
export function placeOnPool(replicas: ReadonlyMap<string, number>, views: readonly ServiceView[], capacity: number): Map<string, number> {
  const plan = arbitrate(
    views.map((v) => {
      const config = v.service.config;
      const wanted = replicas.get(config.name) ?? v.actual.running + v.actual.starting;
      return { name: config.name, priority: config.priority, min: 0, max: config.max, desired: { kind: 'count', count: wanted }, actual: v.actual };
    }),
    capacity,
  );
  return new Map(plan.entries.map((e) => [e.name, e.target]));
}

/** A Deployment sized to fill the pool, for remainder services under the per-service baselines. */
export function fillReplicas(service: SimService): number {
  return service.config.max;
}
