// The contract every simulated policy meets (microscale and the baselines): once per tick it sees
// what an autoscaler could observe and returns the live count (running + starting) each service
// should be driven to. The pool is shared: a policy never returns more than the capacity in total.
import { arbitrate } from '../core/arbiter.js';
import type { ActualState } from '../core/types.js';
import type { Scenario, SimService, Simulation } from './scenario.js';
import type { Trace } from './trace.js';

export interface ServiceView {
  readonly service: SimService;
  readonly actual: ActualState;
  /** Messages waiting now (0 for remainder services without background work of their own). */
  readonly queue: number;
  /** Messages/s arriving now (the trace; what only the oracle and `direct` targets may use). */
  readonly arrivalRate: number;
  /** Messages/s that arrived over the last tick: what a live rate metric (a publish rate) shows now. */
  readonly measuredArrivalRate: number;
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
      return {
        name: config.name,
        priority: config.priority,
        min: 0,
        max: config.max,
        desired: { kind: 'count', count: wanted },
        actual: v.actual,
      };
    }),
    capacity,
  );
  return new Map(plan.entries.map((e) => [e.name, e.replicas]));
}

/**
 * A policy in which each service with a queue asks for `countOf(tS, dtS, view, simulation)` containers and
 * remainder services take what is left, divided by the arbiter: the oracle, the reacting reference and
 * the scripts' reference controllers.
 */
export function countPolicy(
  name: string,
  capacity: number,
  countOf: (tS: number, dtS: number, view: ServiceView, simulation: Simulation) => number,
): Policy {
  return {
    name,
    decide(tS, dtS, views) {
      const plan = arbitrate(
        views.map((view) => {
          const { config, simulation } = view.service;
          const common = { name: config.name, priority: config.priority, min: config.min, max: config.max, actual: view.actual };
          if (!simulation) return { ...common, desired: { kind: 'remainder' as const } };
          return { ...common, desired: { kind: 'count' as const, count: countOf(tS, dtS, view, simulation) } };
        }),
        capacity,
      );
      return new Map(plan.entries.map((e) => [e.name, e.replicas]));
    },
  };
}

/** A Deployment sized to fill the pool, for remainder services under the per-service baselines. */
export function fillReplicas(service: SimService): number {
  return service.config.max;
}

/** A periodic timer for a simulated control loop: true at t = 0 and then once every `periodS`. */
export function periodic(periodS: number): (tS: number) => boolean {
  let nextS = 0;
  return (tS) => {
    if (tS < nextS) return false;
    nextS += periodS;
    return true;
  };
}

export interface PerServiceSpec<S, F> {
  /** Once per tick, before any service: the loop's own timers (sync, poll, tick). */
  readonly clock: (tS: number) => F;
  /** A service's state on first sight. */
  readonly init: (view: ServiceView) => S;
  /** The replica count one service's autoscaler asks for now. */
  readonly decide: (state: S, view: ServiceView, flags: F, tS: number, dtS: number) => number;
}

/**
 * A baseline that scales each service on its own (HPA, KEDA, KPA): remainder services are Deployments
 * sized to fill the pool, every other service has its own autoscaler state, and the replica counts
 * asked for are placed on the shared pool by priority (placeOnPool).
 */
export function perServicePolicy<S, F>(name: string, context: PolicyContext, spec: PerServiceSpec<S, F>): Policy {
  const states = new Map<string, S>();
  return {
    name,
    decide(tS, dtS, views) {
      const flags = spec.clock(tS);
      const replicas = new Map<string, number>();
      for (const view of views) {
        const { config, simulation } = view.service;
        if (!simulation) {
          replicas.set(config.name, fillReplicas(view.service));
          continue;
        }
        let state = states.get(config.name);
        if (state === undefined) states.set(config.name, (state = spec.init(view)));
        replicas.set(config.name, spec.decide(state, view, flags, tS, dtS));
      }
      return placeOnPool(replicas, views, context.scenario.config.capacity);
    },
  };
}
