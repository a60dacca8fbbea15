// The reacting reference: not an autoscaler, the yardstick for a miss. What a controller without
// foresight reaches when it reacts as hard as the pool allows: each service with a queue holds what the
// arrival rate it can see needs (the previous tick's, as a live metric shows it) plus `spare`
// containers, and the whole of what it may have (its max; the arbiter pre-empts what priorities allow)
// whenever a queue waits, whatever that costs in starts and utilisation. Where a controller misses a
// goal on seconds over the SLA that this one misses too, the goal asks for foresight (the oracle's),
// not for a faster reaction. Same arbiter, latencies and scoring as every policy.
import { countPolicy, type Policy, type PolicyContext } from '../policy.js';
import { containersFor } from './targets.js';

export function reactingPolicy(context: PolicyContext, spare = 0): Policy {
  const { scenario } = context;
  return countPolicy(
    spare === 0 ? 'reacting reference' : `reacting reference, ${spare} spare`,
    scenario.config.capacity,
    (_tS, _dtS, view) => {
      const { max } = view.service.config;
      return view.queue > 0 ? max : Math.min(max, containersFor(view.service, view.measuredArrivalRate) + spare);
    },
  );
}
