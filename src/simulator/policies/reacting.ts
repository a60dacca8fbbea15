// The reacting reference: not an autoscaler, the yardstick for a miss. What a controller without
// foresight reaches when it reacts as hard as the pool allows: each service with a queue holds what the
// arrival rate it can see needs (the previous tick's, as a live metric shows it) plus `spare`
// containers, and the whole of what it may have (its max; the arbiter pre-empts what priorities allow)
// whenever a queue waits, whatever that costs in starts and utilisation. Where a controller misses a
// goal on seconds over the SLA that this one misses too, the goal asks for foresight (the oracle's),
// not for a faster reaction. Same arbiter, latencies and scoring as every policy.
import { arbitrate } from '../../core/arbiter.js';
import type { Policy, PolicyContext } from '../policy.js';
import { containersFor } from './targets.js';

export function reactingPolicy(context: PolicyContext, spare = 0): Policy {
  const { scenario } = context;
  return {
    name: spare === 0 ? 'reacting reference' : `reacting reference, ${spare} spare`,
    decide(_tS, _dtS, views) {
      const plan = arbitrate(
        views.map((view) => {
          const { config, simulation } = view.service;
          const common = { name: config.name, priority: config.priority, min: config.min, max: config.max, actual: view.actual };
          if (!simulation) return { ...common, desired: { kind: 'remainder' as const } };
          const count = view.queue > 0 ? config.max : Math.min(config.max, containersFor(view.service, view.measuredArrivalRate) + spare);
          return { ...common, desired: { kind: 'count' as const, count } };
        }),
        scenario.config.capacity,
      );
      return new Map(plan.entries.map((e) => [e.name, e.replicas]));
    },
  };
}
