// `oracle`: not an autoscaler but the lower bound. It reads the trace ahead: each service with a queue
// holds enough containers for the highest rate of the coming lead time (its start latency, plus the
// stop latency of what it may pre-empt, plus a tick), so containers are running when the arrivals that
// need them come, and any backlog is cleared within the lead time. It shares the pool through the same
// arbiter and pays the same latencies as everyone else.
import { countPolicy, type Policy, type PolicyContext } from '../policy.js';
import type { Trace } from '../trace.js';
import { containersFor } from './targets.js';

/** The highest rate of a column over [fromS, toS]. */
export function windowMax(trace: Trace, column: string, fromS: number, toS: number): number {
  const values = trace.columns.get(column);
  if (!values) return 0;
  const times = trace.timesS;
  let low = 0;
  let high = times.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if ((times[mid] ?? 0) <= fromS) low = mid;
    else high = mid - 1;
  }
  let max = (times[low] ?? 0) <= fromS ? (values[low] ?? 0) : 0;
  for (let row = low + 1; row < times.length && (times[row] ?? Infinity) <= toS; row++) max = Math.max(max, values[row] ?? 0);
  return max;
}

export function oraclePolicy(context: PolicyContext): Policy {
  const { scenario, trace } = context;
  const longestStopS = Math.max(0, ...scenario.services.map((s) => s.stopLatencyMs / 1000));
  return countPolicy('oracle', scenario.config.capacity, (tS, dtS, view, simulation) => {
    const leadS = view.service.startLatencyMs / 1000 + longestStopS + dtS;
    const peak = windowMax(trace, simulation.column, tS, tS + leadS);
    const backlog = view.queue / Math.max(leadS, dtS);
    return containersFor(view.service, peak + backlog);
  });
}
