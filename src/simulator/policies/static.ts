// `static`: a fixed split, what a team without an autoscaler runs. Each service with a queue keeps the
// count it was given (default: the 95th percentile of its trace rate plus 20 % headroom, a common
// sizing rule); remainder services fill what is left of the pool.
import { fillReplicas, placeOnPool, type Policy, type PolicyContext } from '../policy.js';
import type { SimService } from '../scenario.js';
import type { Trace } from '../trace.js';
import { containersFor } from './targets.js';

export function p95Rate(service: SimService, trace: Trace): number {
  const values = [...(trace.columns.get(service.simulation?.column ?? '') ?? [])].sort((a, b) => a - b);
  return values[Math.min(values.length - 1, Math.floor(values.length * 0.95))] ?? 0;
}

export function staticPolicy(context: PolicyContext): Policy {
  const replicas = new Map<string, number>();
  for (const service of context.scenario.services) {
    const name = service.config.name;
    const given = context.staticCounts?.get(name);
    replicas.set(
      name,
      !service.simulation ? fillReplicas(service) : (given ?? containersFor(service, 1.2 * p95Rate(service, context.trace))),
    );
  }
  return {
    name: 'static',
    decide(_tS, _dtS, views) {
      return placeOnPool(replicas, views, context.scenario.config.capacity);
    },
  };
}
