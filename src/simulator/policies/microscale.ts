// `microscale`: the live agent's decision, unchanged: every tick, core/step.ts (the controllers, then
// the arbiter) on what the simulated engine and queues show. The only things the simulator adds are the
// service's per-container rate as the PID's `ratePerContainer` when the scenario does not set one,
// which is what a user would configure live, and, for services with `simulation.arrivalsMetric`, the
// arrival rate measured over the last tick, which is what a live `arrivals:` metric reads; and the queue
// of a remainder service's own background work, which is what a live remainder's optional `metric:` reads.
import { step, type StepInput, type StepOutcome } from '../../core/step.js';
import type { ControllerState } from '../../core/controllers/index.js';
import type { LatencyState } from '../../core/latency.js';
import type { ServicePolicy } from '../../core/types.js';
import type { Policy, PolicyContext, ServiceView } from '../policy.js';

interface Memory {
  controllerState: ControllerState;
  lastDesired: number | undefined;
  latency: LatencyState;
}

/** For studies of the policy itself (scripts/sla-sweep.mjs); the simulator's own runs pass none. */
export interface MicroscaleOptions {
  /** Leave `pid.ratePerContainer` out, configured or not, so the controller learns the rate itself. */
  readonly learnRate?: boolean;
  /** Called with each service's outcome of every step, after it is remembered (an observer: it changes nothing). */
  readonly observe?: (service: string, tS: number, outcome: StepOutcome, policy: ServicePolicy) => void;
}

function policyFor(view: ServiceView, learnRate: boolean): ServicePolicy {
  const policy = view.service.config;
  if (learnRate) {
    const { ratePerContainer: _ignored, ...pid } = policy.pid;
    return { ...policy, pid };
  }
  const rate = view.service.simulation?.ratePerContainer;
  if (rate === undefined || policy.pid.ratePerContainer !== undefined) return policy;
  return { ...policy, pid: { ...policy.pid, ratePerContainer: rate } };
}

/**
 * What the service's metric would read: the queue, or for `direct` targets the demand in containers. A
 * remainder service with background work of its own (its `simulation:` block) reads its queue, as a live
 * remainder service with a `metric:` does; without the block it reads none.
 */
function metricOf(view: ServiceView): number | undefined {
  const sim = view.service.simulation;
  if (!sim) return view.service.background ? view.queue : undefined;
  return view.service.config.target.kind === 'direct' ? view.arrivalRate / sim.ratePerContainer : view.queue;
}

export function microscalePolicy(context: Pick<PolicyContext, 'scenario'>, options: MicroscaleOptions = {}): Policy {
  const memory = new Map<string, Memory>();
  const policies = new Map<string, ServicePolicy>();
  return {
    name: 'microscale',
    decide(tS, dtS, views) {
      const inputs: StepInput[] = views.map((view) => {
        const name = view.service.config.name;
        const remembered = memory.get(name);
        let policy = policies.get(name);
        if (!policy) policies.set(name, (policy = policyFor(view, options.learnRate ?? false)));
        const value = metricOf(view);
        const arrivalRate = view.service.simulation?.arrivalsMetric ? view.measuredArrivalRate : undefined;
        return {
          policy,
          onMetricError: view.service.config.onMetricError,
          observation: value === undefined ? undefined : { value, atMs: tS * 1000, arrivalRate },
          stale: false,
          actual: view.actual,
          controllerState: remembered?.controllerState,
          lastDesired: remembered?.lastDesired,
          dtS: remembered ? dtS : 0,
          latency: remembered?.latency,
          atMs: tS * 1000,
        };
      });
      const { plan, outcomes } = step(inputs, context.scenario.config.capacity);
      for (const [name, outcome] of outcomes) {
        memory.set(name, {
          controllerState: outcome.controllerState,
          lastDesired: outcome.desired.kind === 'count' ? outcome.desired.count : undefined,
          latency: outcome.latency,
        });
        const policy = policies.get(name);
        if (options.observe && policy) options.observe(name, tS, outcome, policy);
      }
      return new Map(plan.entries.map((e) => [e.name, e.replicas]));
    },
  };
}
