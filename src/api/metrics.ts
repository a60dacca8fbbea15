// GET /metrics: the agent in Prometheus text (prom-client), on a registry of its own so two agents in
// one process (tests) never share series. Counters are brought up to date from the agent's tick ring
// when scraped, so nothing listens on the agent between scrapes; a scrape gap longer than the ring
// (an hour at 500 ms) would undercount, which Prometheus' usual 15-60 s scrapes never come near.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Agent } from '../agent/agent.js';
import { inDisplayUnits } from '../core/resources.js';
import { resourceStates, targetValue } from './state.js';

/** What prom-client's own `process_` metrics come out as under the prefix: `process_` twice (the names up to 2026-12). */
const DOUBLED_PREFIX = 'microscale_process_process_';
const PROCESS_PREFIX = 'microscale_process_';

/**
 * The exposition with each `microscale_process_process_*` family also under its right name,
 * `microscale_process_*`, first, and the doubled name kept after it as a deprecated alias (its HELP says
 * so) for scrapers, dashboards and alerts that use it. Both come from one collection: prom-client cannot
 * register one default metric under two names, and calling collectDefaultMetrics twice would read the CPU
 * and event-loop figures twice and keep two event-loop monitors running. The `nodejs_*` families keep
 * their names (`microscale_process_nodejs_*`: one prefix, nothing doubled).
 */
export function withProcessAliases(exposition: string): string {
  return exposition
    .split(/(?=^# HELP )/m)
    .map((family) => {
      if (!family.startsWith(`# HELP ${DOUBLED_PREFIX}`)) return family;
      const renamed = family.replace(new RegExp(`^(# HELP |# TYPE )?${DOUBLED_PREFIX}`, 'gm'), `$1${PROCESS_PREFIX}`);
      const deprecated = family.replace(
        /^# HELP (\S+) /,
        (_, name: string) => `# HELP ${name} Deprecated alias of ${name.replace(DOUBLED_PREFIX, PROCESS_PREFIX)} (the same value). `,
      );
      return `${renamed.endsWith('\n\n') ? renamed : `${renamed}\n`}${deprecated}`;
    })
    .join('');
}

export interface AgentMetrics {
  readonly registry: Registry;
  /** Brings every series up to date and returns the text exposition. */
  render(): Promise<string>;
}

export function createAgentMetrics(agent: Agent): AgentMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'microscale_process_' });
  const labelNames = ['service', 'priority'] as const;
  const gauge = (name: string, help: string) => new Gauge({ name, help, labelNames, registers: [registry] });
  const desired = gauge('microscale_service_desired', 'Containers the controller asked for (remainder services: their share of the pool)');
  const running = gauge('microscale_service_running', 'Containers running, as the engine last reported');
  const starting = gauge('microscale_service_starting', 'Containers starting, as the engine last reported');
  const metric = gauge('microscale_service_metric', "The service's metric value at the last tick (absent when unread)");
  const target = gauge('microscale_service_target', "The service's target (queueLength or perContainer)");
  const arrivalRate = gauge(
    'microscale_service_arrival_rate',
    'The arrival rate (messages/s) given to the controller at the last tick (absent without arrivals: or when unread)',
  );
  const estimatedArrivals = gauge(
    'microscale_service_estimated_arrival_rate',
    'sla targets: the smoothed arrival rate (messages/s) the controller plans with',
  );
  const ratePerContainer = gauge(
    'microscale_service_rate_per_container',
    "Messages/s one running container works through: configured, or learnt from the queue's drain (sla targets)",
  );
  const startLatency = gauge(
    'microscale_service_start_latency_seconds',
    "Measured request-to-running time of the service's containers (absent until one started)",
  );
  const stopLatency = gauge(
    'microscale_service_stop_latency_seconds',
    "Measured request-to-gone time of the service's containers (absent until one stopped)",
  );
  const risePeriod = gauge(
    'microscale_service_rise_period_seconds',
    "sla targets: the learnt period of the arrivals' rises when they come at regular moments (absent when none)",
  );
  const stale = gauge('microscale_service_metric_stale', '1 when the last metric read failed and the service was held');
  const capacity = new Gauge({
    name: 'microscale_pool_capacity',
    help: 'Containers the pool may hold (a pool in resources: the containers it allocates at their sizes)',
    registers: [registry],
  });
  const resourceLabels = ['resource', 'unit'] as const;
  const resourceGauge = (name: string, help: string) => new Gauge({ name, help, labelNames: resourceLabels, registers: [registry] });
  const resourceCapacity = resourceGauge(
    'microscale_pool_resource_capacity',
    'A pool in resources: what it holds of each resource (cpu in cores, memory in bytes)',
  );
  const resourceUsed = resourceGauge(
    'microscale_pool_resource_used',
    'A pool in resources: what containers running, starting or stopping hold of each resource',
  );
  const resourceAllocated = resourceGauge(
    'microscale_pool_resource_allocated',
    'A pool in resources: what every service at its allocation would hold of each resource',
  );
  const containerSize = new Gauge({
    name: 'microscale_service_container_resource',
    help: 'A pool in resources: what one container of the service takes (cpu in cores, memory in bytes)',
    labelNames: ['service', 'priority', 'resource', 'unit'],
    registers: [registry],
  });
  const used = new Gauge({ name: 'microscale_pool_used', help: 'Containers running, starting or stopping', registers: [registry] });
  const paused = new Gauge({ name: 'microscale_paused', help: '1 while scaling is paused', registers: [registry] });
  const decisions = new Counter({
    name: 'microscale_decisions_total',
    help: 'Scaling decisions, by service and direction',
    labelNames: ['service', 'direction'],
    registers: [registry],
  });
  const ticks = new Histogram({
    name: 'microscale_tick_duration_seconds',
    help: 'Time one tick took: read metrics, observe, decide, apply',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const sourceErrors = new Counter({
    name: 'microscale_source_errors_total',
    help: 'Failed metric reads, by service and source',
    labelNames: ['service', 'source'],
    registers: [registry],
  });
  const arrivalErrors = new Counter({
    name: 'microscale_arrivals_errors_total',
    help: 'Failed arrivals: reads (the service decided from its queue alone), by service and source',
    labelNames: ['service', 'source'],
    registers: [registry],
  });
  const engineErrors = new Counter({
    name: 'microscale_engine_errors_total',
    help: 'Ticks where the engine could not be read or refused a change',
    labelNames: ['engine'],
    registers: [registry],
  });
  let lastSeq = 0;

  const countNewTicks = (): void => {
    const sourceOf = new Map(agent.config.services.map((s) => [s.name, s.metric?.source ?? 'none']));
    const arrivalsSourceOf = new Map(agent.config.services.map((s) => [s.name, s.arrivals?.source ?? 'none']));
    for (const tick of agent.ticks.toArray()) {
      if (tick.seq <= lastSeq) continue;
      lastSeq = tick.seq;
      ticks.observe(tick.durationMs / 1000);
      for (const d of tick.decisions) decisions.inc({ service: d.service, direction: d.to > d.from ? 'up' : 'down' });
      for (const e of tick.sourceErrors) sourceErrors.inc({ service: e.service, source: sourceOf.get(e.service) ?? 'unknown' });
      for (const e of tick.arrivalErrors ?? [])
        arrivalErrors.inc({ service: e.service, source: arrivalsSourceOf.get(e.service) ?? 'unknown' });
      if (tick.engineError) engineErrors.inc({ engine: agent.config.engine.kind });
    }
  };

  const setGauges = (): void => {
    const tick = agent.ticks.toArray().at(-1);
    for (const g of [
      desired,
      running,
      starting,
      metric,
      arrivalRate,
      estimatedArrivals,
      ratePerContainer,
      startLatency,
      stopLatency,
      target,
      stale,
      resourceCapacity,
      resourceUsed,
      resourceAllocated,
      containerSize,
    ])
      g.reset();
    const configured = agent.config.capacity;
    capacity.set(typeof configured === 'number' ? configured : (tick?.capacity ?? 0));
    for (const [resource, state] of Object.entries(tick?.resources ? resourceStates(tick.resources) : {})) {
      const labels = { resource, unit: state.unit };
      resourceCapacity.set(labels, state.capacity);
      resourceUsed.set(labels, state.used);
      resourceAllocated.set(labels, state.allocated);
    }
    paused.set(agent.paused ? 1 : 0);
    used.set(tick?.used ?? 0);
    for (const s of tick?.services ?? []) {
      const labels = { service: s.name, priority: String(s.priority) };
      desired.set(labels, s.desired);
      running.set(labels, s.running);
      starting.set(labels, s.starting);
      stale.set(labels, s.stale ? 1 : 0);
      if (s.demand !== null) metric.set(labels, s.demand);
      if (s.arrivalRate !== null) arrivalRate.set(labels, s.arrivalRate);
      const known = s.estimates;
      if (known?.arrivalRate != null) estimatedArrivals.set(labels, known.arrivalRate);
      if (known?.ratePerContainer != null) ratePerContainer.set(labels, known.ratePerContainer);
      if (known?.startLatencyS != null) startLatency.set(labels, known.startLatencyS);
      if (known?.stopLatencyS != null) stopLatency.set(labels, known.stopLatencyS);
      if (known?.risePeriodS != null) risePeriod.set(labels, known.risePeriodS);
      for (const [resource, amount] of Object.entries(s.size ?? {}))
        containerSize.set({ ...labels, resource, unit: resource === 'cpu' ? 'cores' : 'bytes' }, inDisplayUnits(resource, amount));
      const value = targetValue(s.target);
      if (value !== null) target.set(labels, value);
    }
  };

  return {
    registry,
    async render() {
      countNewTicks();
      setGauges();
      return withProcessAliases(await registry.metrics());
    },
  };
}
