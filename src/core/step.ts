// One decision for the whole pool: every service's controller, then the arbiter. Pure, so the live
// agent, the simulator and the tests run exactly the same code.
import { arbitrate } from './arbiter.js';
import { decide, type ControllerState } from './controllers/index.js';
import type { Resources } from './resources.js';
import type { ActualState, Capacity, Desired, Observation, Plan, ServicePolicy } from './types.js';

export type MetricErrorPolicy = { readonly kind: 'hold' } | { readonly kind: 'fallback'; readonly count: number };

export interface StepInput {
  readonly policy: ServicePolicy;
  readonly onMetricError: MetricErrorPolicy;
  /** The reading this tick, or undefined if there is none (remainder) or it failed (`stale`). */
  readonly observation: Observation | undefined;
  /** True when the service has a metric but this tick's read failed. */
  readonly stale: boolean;
  readonly actual: ActualState;
  readonly controllerState: ControllerState;
  /** The count this service's controller asked for last time, if any. */
  readonly lastDesired: number | undefined;
  readonly dtS: number;
  /** What one container takes, when the pool is in resources (from the engine, else the config). */
  readonly size?: Resources | undefined;
}

export interface StepOutcome {
  readonly desired: Desired;
  readonly controllerState: ControllerState;
  /** The controller's reason ("queue 180 > target 50"), or why it held. */
  readonly reason: string;
}

export interface StepResult {
  readonly plan: Plan;
  readonly outcomes: ReadonlyMap<string, StepOutcome>;
}

function outcomeFor(input: StepInput): StepOutcome {
  const current = input.actual.running + input.actual.starting;
  if (input.stale) {
    if (input.onMetricError.kind === 'fallback') {
      return { desired: { kind: 'count', count: input.onMetricError.count }, controllerState: input.controllerState, reason: `metric unavailable: fallback to ${input.onMetricError.count}` };
    }
    const held = input.lastDesired ?? current;
    return { desired: { kind: 'count', count: held }, controllerState: input.controllerState, reason: `metric unavailable: holding ${held}` };
  }
  const { desired, state, reason } = decide({ policy: input.policy, observation: input.observation, current, running: input.actual.running, dtS: input.dtS }, input.controllerState);
  return { desired, controllerState: state, reason };
}

export function step(inputs: readonly StepInput[], capacity: Capacity): StepResult {
  const outcomes = new Map<string, StepOutcome>();
  for (const input of inputs) outcomes.set(input.policy.name, outcomeFor(input));
  const plan = arbitrate(
    inputs.map((input) => ({
      name: input.policy.name,
      priority: input.policy.priority,
      min: input.policy.min,
      max: input.policy.max,
      desired: outcomes.get(input.policy.name)?.desired ?? { kind: 'count', count: 0 },
      actual: input.actual,
      ...(input.size ? { size: input.size } : {}),
    })),
    capacity,
  );
  return { plan, outcomes };
}
