// A simulator policy from a count function, for the scripts' reference controllers (the reactive
// bound, the walk optimum, the floor): the urgent services ask for `countOf(...)` containers, the
// others take the remainder, and the pool is divided by the real arbiter, as for every policy.
import { arbitrate } from '../../dist/core/arbiter.js';

/**
 * `countOf(tS, dtS, view)` is called for each service with a `simulation:` block (view.service has
 * its config and simulation) and returns the count it asks for.
 */
export function countPolicy(name, capacity, countOf) {
  return {
    name,
    decide(tS, dtS, views) {
      const plan = arbitrate(
        views.map((view) => {
          const { config, simulation } = view.service;
          const common = { name: config.name, priority: config.priority, min: config.min, max: config.max, actual: view.actual };
          if (!simulation) return { ...common, desired: { kind: 'remainder' } };
          return { ...common, desired: { kind: 'count', count: countOf(tS, dtS, view) } };
        }),
        capacity,
      );
      return new Map(plan.entries.map((e) => [e.name, e.replicas]));
    },
  };
}
