// The economic claim, measured: the smallest fixed allocation for the urgent service that holds its
// SLA as well as microscale did on the same trace, and the container-hours microscale frees for
// background work compared with it (capacity a static setup keeps hot but idle).
import { createPolicy } from './policies/index.js';
import { simulate } from './run.js';
import type { Scenario } from './scenario.js';
import type { ServiceScore } from './score.js';
import type { Trace } from './trace.js';

export interface StaticMatch {
  readonly service: string;
  /** Smallest count that holds the SLA as well as microscale; undefined if none within the service's max. */
  readonly count: number | undefined;
  readonly slaViolationS: number | undefined;
  /** (count × duration − microscale's container-seconds for the service) / 3600. */
  readonly freedContainerHours: number | undefined;
}

function violationWith(scenario: Scenario, trace: Trace, service: string, count: number): number {
  const result = simulate(scenario, trace, createPolicy('static', { scenario, trace, staticCounts: new Map([[service, count]]) }));
  return result.score.services.find((s) => s.name === service)?.slaViolationS ?? Number.POSITIVE_INFINITY;
}

/** Binary search: a bigger fixed allocation never violates for longer (the queue only drains faster). */
export function smallestStaticMatch(scenario: Scenario, trace: Trace, microscale: ServiceScore, durationS: number): StaticMatch {
  const service = scenario.services.find((s) => s.config.name === microscale.name);
  if (!service) throw new Error(`no service ${microscale.name}`);
  // Holding the SLA "as well as" microscale: no more violation than it had, give or take one tick.
  const allowed = microscale.slaViolationS + scenario.config.intervalMs / 1000;
  let low = Math.max(1, service.config.min);
  let high = service.config.max;
  if (violationWith(scenario, trace, microscale.name, high) > allowed)
    return { service: microscale.name, count: undefined, slaViolationS: undefined, freedContainerHours: undefined };
  while (low < high) {
    const mid = Math.floor((low + high) / 2);
    if (violationWith(scenario, trace, microscale.name, mid) <= allowed) high = mid;
    else low = mid + 1;
  }
  return {
    service: microscale.name,
    count: low,
    slaViolationS: violationWith(scenario, trace, microscale.name, low),
    freedContainerHours: (low * durationS - microscale.containerSeconds) / 3600,
  };
}

/**
 * The `static` baseline of bench control: the best fixed allocation that holds the SLA, i.e. the smallest
 * count whose seconds over the SLA are no more than the service's max would give (0 s wherever any holds).
 */
export function bestStaticCount(scenario: Scenario, trace: Trace, service: string, durationS: number): number {
  const config = scenario.services.find((s) => s.config.name === service)?.config;
  if (!config) throw new Error(`no service ${service}`);
  const options = { durationS };
  const violation = (count: number) =>
    simulate(
      scenario,
      trace,
      createPolicy('static', { scenario, trace, staticCounts: new Map([[service, count]]) }),
      options,
    ).score.services.find((s) => s.name === service)?.slaViolationS ?? Number.POSITIVE_INFINITY;
  const best = violation(config.max);
  let low = Math.max(1, config.min);
  let high = config.max;
  while (low < high) {
    const mid = Math.floor((low + high) / 2);
    if (violation(mid) <= best) high = mid;
    else low = mid + 1;
  }
  return low;
}
