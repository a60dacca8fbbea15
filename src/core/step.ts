// One decision for the whole pool: every service's controller, then the arbiter. Pure, so the live
// agent, the simulator and the tests run exactly the same code. Each service's start and stop latency
// is measured here from the engine's state (latency.ts) and handed to its controller as the reaction
// time, with the stop latency of what a start would pre-empt when the pool is full.
import { arbitrate } from './arbiter.js';
import { decide, type ControllerState, type Reaction } from './controllers/index.js';
import { DEFAULT_REACTION, SlaDecision } from './controllers/sla.js';
import { INITIAL_LATENCY, observeLatency, plannedS, type LatencyState } from './latency.js';
import type { Resources } from './resources.js';
import type { ActualState, Capacity, Desired, Observation, Plan, ServiceEstimates, ServicePolicy } from './types.js';

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
  /** What was learnt of the service's start and stop latency so far (the previous outcome's `latency`). */
  readonly latency?: LatencyState | undefined;
  /** When the engine state was read (ms); default the observation's time. Needed to measure latencies. */
  readonly atMs?: number | undefined;
}

export interface StepOutcome {
  readonly desired: Desired;
  readonly controllerState: ControllerState;
  /** The controller's reason ("queue 180 > target 50"), or why it held. */
  readonly reason: string;
  /**
   * Set when `reason` is formatted on demand (sla targets): what it is made of, holding none of the
   * controller's state, so a record kept for long (the agent's tick history) can hold this instead.
   */
  readonly reasonLater?: { format(): string };
  readonly latency: LatencyState;
  /** What is known of the service: measured arrivals and rate (sla targets), start and stop latency. */
  readonly estimates: ServiceEstimates;
}

export interface StepResult {
  readonly plan: Plan;
  readonly outcomes: ReadonlyMap<string, StepOutcome>;
}

function estimatesOf(
  latency: LatencyState,
  fromController: Partial<ServiceEstimates> | undefined,
  policy: ServicePolicy,
): ServiceEstimates {
  const configured = policy.pid.ratePerContainer;
  return {
    arrivalRate: fromController?.arrivalRate ?? null,
    arrivalRateStdDev: fromController?.arrivalRateStdDev ?? null,
    ratePerContainer: fromController?.ratePerContainer ?? configured ?? null,
    ratePerContainerLearned: fromController?.ratePerContainerLearned ?? false,
    startLatencyS: latency.start?.meanS ?? null,
    stopLatencyS: latency.stop?.meanS ?? null,
    risePeriodS: fromController?.risePeriodS ?? null,
  };
}

/** Container-seconds worked since the previous read by containers that became running after it (engine moments; latency.ts). */
function newlyRunningS(actual: ActualState, previousReadMs: number | null | undefined, atMs: number | undefined): number | undefined {
  if (!actual.runningAtMs || previousReadMs == null || atMs === undefined) return undefined;
  let sumMs = 0;
  for (const ms of actual.runningAtMs) if (ms > previousReadMs && ms < atMs) sumMs += atMs - ms;
  return sumMs / 1000;
}

function outcomeFor(input: StepInput, latency: LatencyState, reaction: Reaction, slotWanted: boolean): StepOutcome {
  const current = input.actual.running + input.actual.starting;
  if (input.stale) {
    const estimates = estimatesOf(latency, undefined, input.policy);
    if (input.onMetricError.kind === 'fallback') {
      return {
        desired: { kind: 'count', count: input.onMetricError.count },
        controllerState: input.controllerState,
        reason: `metric unavailable: fallback to ${input.onMetricError.count}`,
        latency,
        estimates,
      };
    }
    const held = input.lastDesired ?? current;
    return {
      desired: { kind: 'count', count: held },
      controllerState: input.controllerState,
      reason: `metric unavailable: holding ${held}`,
      latency,
      estimates,
    };
  }
  const atMs = input.atMs ?? input.observation?.atMs;
  const decided = decide(
    {
      policy: input.policy,
      observation: input.observation,
      current,
      running: input.actual.running,
      dtS: input.dtS,
      newlyRunningS: newlyRunningS(input.actual, input.latency?.lastAtMs, atMs),
      reaction,
      slotWanted,
    },
    input.controllerState,
  );
  const estimates = estimatesOf(latency, decided.estimates, input.policy);
  if (decided instanceof SlaDecision) return new SlaOutcome(decided, latency, estimates);
  return { desired: decided.desired, controllerState: decided.state, reason: decided.reason, latency, estimates };
}

/** An sla target's outcome: its reason is formatted from the decision only when read (/api/state, the decision log). */
class SlaOutcome implements StepOutcome {
  readonly desired: Desired;
  readonly controllerState: ControllerState;
  constructor(
    private readonly decided: SlaDecision,
    readonly latency: LatencyState,
    readonly estimates: ServiceEstimates,
  ) {
    this.desired = decided.desired;
    this.controllerState = decided.state;
  }

  get reason(): string {
    return this.decided.reason;
  }

  get reasonLater(): { format(): string } {
    return this.decided.because;
  }
}

/** Per priority: the longest (planned) stop of the services below it that hold containers a start could pre-empt. */
function preemptionByPriority(inputs: readonly StepInput[], latencies: readonly LatencyState[]): (priority: number) => number {
  const longestAt = new Map<number, number>();
  inputs.forEach((input, i) => {
    if (input.actual.running + input.actual.starting === 0) return;
    const stopS = plannedS(latencies[i]?.stop ?? null, DEFAULT_REACTION.stopS);
    longestAt.set(input.policy.priority, Math.max(longestAt.get(input.policy.priority) ?? 0, stopS));
  });
  const priorities = [...new Set(inputs.map((input) => input.policy.priority))].sort((a, b) => b - a);
  // Walking from the least urgent up: the longest stop strictly below each priority.
  const below = new Map<number, number>();
  let longestS = 0;
  for (const priority of priorities) {
    below.set(priority, longestS);
    longestS = Math.max(longestS, longestAt.get(priority) ?? 0);
  }
  return (priority) => below.get(priority) ?? 0;
}

/**
 * Whether a service wants another slot of the pool: a remainder service without a metric always does
 * (it grows into what is left); one with a metric while its queue is not empty; a counted service while
 * it asked for more than it has; any service whose reading failed (unknown: assume it does).
 */
function wantsSlot(input: StepInput): boolean {
  if (input.stale) return true;
  if (input.policy.target.kind === 'remainder') return input.observation === undefined || input.observation.value > 0;
  const has = input.actual.running + input.actual.starting;
  return input.lastDesired !== undefined && input.lastDesired > has;
}

/** Per service: whether a slot it frees would go to another service that wants one (see wantsSlot). */
function slotsWanted(inputs: readonly StepInput[], capacity: Capacity): (index: number) => boolean {
  if (typeof capacity !== 'number') return () => true; // a pool in resources: a freed share may fit anyone
  const wanting = inputs.map(wantsSlot);
  const count = wanting.filter(Boolean).length;
  return (index) => count > (wanting[index] ? 1 : 0);
}

export function step(inputs: readonly StepInput[], capacity: Capacity): StepResult {
  const latencies = inputs.map((input) => {
    const atMs = input.atMs ?? input.observation?.atMs;
    return atMs === undefined ? (input.latency ?? INITIAL_LATENCY) : observeLatency(input.latency ?? INITIAL_LATENCY, input.actual, atMs);
  });
  // A start waits for a pre-emption unless the pool has a free slot now (a pool in resources: assume it must).
  const occupied = inputs.reduce((sum, input) => sum + input.actual.running + input.actual.starting + input.actual.stopping, 0);
  const preempt = typeof capacity === 'number' && occupied < capacity ? () => 0 : preemptionByPriority(inputs, latencies);
  const slotWanted = slotsWanted(inputs, capacity);
  const outcomes = new Map<string, StepOutcome>();
  inputs.forEach((input, i) => {
    const latency = latencies[i] ?? INITIAL_LATENCY;
    const reaction: Reaction = {
      startS: plannedS(latency.start, DEFAULT_REACTION.startS),
      stopS: plannedS(latency.stop, DEFAULT_REACTION.stopS),
      preemptS: preempt(input.policy.priority),
    };
    outcomes.set(input.policy.name, outcomeFor(input, latency, reaction, slotWanted(i)));
  });
  const plan = arbitrate(
    inputs.map((input) => ({
      name: input.policy.name,
      priority: input.policy.priority,
      min: input.policy.min,
      max: input.policy.max,
      desired: outcomes.get(input.policy.name)?.desired ?? { kind: 'count', count: 0 },
      actual: input.actual,
      size: input.size,
    })),
    capacity,
  );
  return { plan, outcomes };
}
