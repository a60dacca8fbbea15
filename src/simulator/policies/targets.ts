// The per-replica target the queue-metric baselines (keda, kpa) are configured with. A user of those
// tools picks one number per replica; we pick it in their favour: the value at which, at the trace's
// mean load, the queue would sit exactly at the microscale target (target ÷ containers the mean needs).
import type { SimService } from '../scenario.js';
import type { Trace } from '../trace.js';

export function perReplicaTarget(service: SimService, trace: Trace): number {
  const sim = service.simulation;
  if (!sim) return 1;
  const target = service.config.target;
  const queueTarget =
    target.kind === 'queueLength'
      ? target.queueLength
      : 'queueLength' in sim.sla
        ? sim.sla.queueLength / 2
        : sim.sla.waitS * sim.ratePerContainer;
  const values = trace.columns.get(sim.column) ?? new Float64Array();
  const mean = values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
  return queueTarget / Math.max(1, Math.ceil(mean / sim.ratePerContainer));
}

/** Containers a rate needs, rounded up, within the service's bounds. */
export function containersFor(service: SimService, rate: number): number {
  const sim = service.simulation;
  if (!sim) return service.config.max;
  return Math.min(service.config.max, Math.max(service.config.min, Math.ceil(rate / sim.ratePerContainer - 1e-9)));
}
