// The bookkeeping of one tick, kept apart from the loop: the core's inputs from the readings and the
// agent's memory, and the tick's record (per-service lines and decisions with their reasons) from the plan.
import type { MicroscaleConfig } from '../config/schema.js';
import type { ControllerState } from '../core/controllers/index.js';
import type { LatencyState } from '../core/latency.js';
import type { StepInput, StepResult } from '../core/step.js';
import { EMPTY_STATE, type ActualState, type Decision, type Observation } from '../core/types.js';
import type { Reading } from './read-metrics.js';
import type { ServiceTick } from './records.js';

/** What the agent keeps of each service between ticks. */
export interface ServiceMemory {
  readonly controllerState: ControllerState;
  readonly lastDesired: number | undefined;
  readonly lastDecisionMs: number | undefined;
  /** Start and stop latency measured so far (core/latency.ts). */
  readonly latency?: LatencyState | undefined;
}

/** This tick's reads, by service: the metrics, and the arrivals of services with `arrivals:`. */
export interface TickReadings {
  readonly metrics: ReadonlyMap<string, Reading>;
  readonly arrivals: ReadonlyMap<string, Reading>;
}

export interface TickInputs {
  readonly inputs: StepInput[];
  /** Failed metric reads: those services are held. */
  readonly sourceErrors: { service: string; message: string }[];
  /** Failed arrivals reads: those services go on with queue-only control. */
  readonly arrivalErrors: { service: string; message: string }[];
}

/** The observation of a service this tick; the arrival rate only when it could be read. */
function observationOf(reading: Reading | undefined, arrivals: Reading | undefined, atMs: number): Observation | undefined {
  if (!reading?.ok) return undefined;
  return arrivals?.ok ? { value: reading.value, atMs, arrivalRate: arrivals.value } : { value: reading.value, atMs };
}

export function buildInputs(
  config: MicroscaleConfig,
  readings: TickReadings,
  actual: ReadonlyMap<string, ActualState>,
  memory: ReadonlyMap<string, ServiceMemory>,
  startMs: number,
): TickInputs {
  const sourceErrors: { service: string; message: string }[] = [];
  const arrivalErrors: { service: string; message: string }[] = [];
  const inputs = config.services.map((service): StepInput => {
    const reading = readings.metrics.get(service.name);
    const arrivals = readings.arrivals.get(service.name);
    if (reading && !reading.ok) sourceErrors.push({ service: service.name, message: reading.message });
    if (arrivals && !arrivals.ok && !arrivals.notYet) arrivalErrors.push({ service: service.name, message: arrivals.message });
    const remembered = memory.get(service.name);
    const state = actual.get(service.name) ?? EMPTY_STATE;
    const size = state.size ?? service.size;
    return {
      policy: service,
      onMetricError: service.onMetricError,
      observation: observationOf(reading, arrivals, startMs),
      stale: reading !== undefined && !reading.ok,
      actual: state,
      ...(size ? { size } : {}),
      controllerState: remembered?.controllerState,
      lastDesired: remembered?.lastDesired,
      dtS: remembered?.lastDecisionMs === undefined ? 0 : (startMs - remembered.lastDecisionMs) / 1000,
      latency: remembered?.latency,
      atMs: startMs,
    };
  });
  return { inputs, sourceErrors, arrivalErrors };
}

export interface TickOutcome {
  readonly services: ServiceTick[];
  readonly decisions: Decision[];
  readonly memory: Map<string, ServiceMemory>;
}

/**
 * The record of a decided tick. Decisions are made only when the engine was read this tick (`engineRead`);
 * `notActing` marks them as not carried out (dry run, paused, standby).
 */
export function describeTick(
  result: StepResult,
  inputs: readonly StepInput[],
  startMs: number,
  engineRead: boolean,
  notActing: boolean,
): TickOutcome {
  const inputByName = new Map(inputs.map((i) => [i.policy.name, i]));
  const decisions: Decision[] = [];
  const memory = new Map<string, ServiceMemory>();
  const services = result.plan.entries.map((entry): ServiceTick => {
    const input = inputByName.get(entry.name);
    const outcome = result.outcomes.get(entry.name);
    const state = input?.actual ?? EMPTY_STATE;
    const counted = outcome?.desired.kind === 'count' ? outcome.desired.count : undefined;
    memory.set(entry.name, {
      controllerState: outcome?.controllerState,
      lastDesired: counted,
      lastDecisionMs: startMs,
      latency: outcome?.latency,
    });
    const fields = {
      name: entry.name,
      priority: entry.priority,
      demand: input?.observation?.value ?? null,
      arrivalRate: input?.observation?.arrivalRate ?? null,
      stale: input?.stale ?? false,
      target: input?.policy.target ?? { kind: 'remainder' },
      desired: counted ?? entry.allocation,
      allocation: entry.allocation,
      planned: entry.replicas,
      running: state.running,
      starting: state.starting,
      stopping: state.stopping,
      ...(state.prepared ? { prepared: state.prepared } : {}),
      ...(state.nodes ? { nodes: state.nodes } : {}),
      ...(state.problem ? { problem: state.problem } : {}),
      ...(input?.size && result.plan.resources ? { size: input.size } : {}),
      ...(outcome ? { estimates: outcome.estimates } : {}),
    } satisfies Omit<ServiceTick, 'reason'>;
    // An sla decision's sentence is formatted only when the line's reason is read: for a decision here,
    // and by whoever serves the record (/api/state, /api/history, /api/events). Most services change
    // nothing most ticks; at 10,000 services formatting every sentence every tick was most of the CPU.
    const later = outcome?.reasonLater;
    const line = later
      ? withReasonLater(fields, { later, arbiter: entry.reason })
      : withReason(fields, joinReasons(outcome?.reason ?? '', entry.reason));
    if (entry.replicas !== entry.current && engineRead) {
      const sign = entry.replicas > entry.current ? '+' : '';
      decisions.push({
        atMs: startMs,
        service: entry.name,
        from: entry.current,
        to: entry.replicas,
        reason: `${entry.name} ${sign}${entry.replicas - entry.current}: ${line.reason}`,
        dryRun: notActing,
      });
    }
    return line;
  });
  return { services, decisions, memory };
}

/**
 * The controller's reason, then the arbiter's, each once: "metric unavailable: holding 6" and the
 * arbiter's "holding 6" make one "metric unavailable: holding 6", not "...: holding 6; holding 6".
 */
export function joinReasons(controller: string, arbiter: string): string {
  if (!controller) return arbiter;
  if (!arbiter || controller.endsWith(arbiter)) return controller;
  return `${controller}; ${arbiter}`;
}

/** A service's line with the engine's state after this tick's changes, so starting and stopping containers show. */
export function withActual(tick: ServiceTick, actual: ActualState | undefined): ServiceTick {
  if (!actual || sameActual(tick, actual)) return tick;
  const pending = pendingOf(tick);
  const { nodes, problem, prepared, ...rest } = {
    ...(pending === undefined ? tick : fieldsOf(tick)),
    running: actual.running,
    starting: actual.starting,
    stopping: actual.stopping,
    prepared: actual.prepared,
    nodes: actual.nodes,
    problem: actual.problem,
  };
  const line = { ...rest, ...(prepared ? { prepared } : {}), ...(nodes ? { nodes } : {}), ...(problem ? { problem } : {}) };
  return pending === undefined ? (line as ServiceTick) : withReasonLater(line, pending);
}

// A line whose reason is not formatted yet holds, under a key of its own that neither JSON nor a spread
// sees, what the reason is made of (the controller's few numbers and the arbiter's words, never the
// controller's state: the history keeps thousands of lines) and, once read, the reason itself. Its
// `reason` is an own enumerable getter, the same function for every line, so JSON, spreads and reads all
// see a string.
const REASON = Symbol('reason');
interface ReasonParts {
  readonly later: { format(): string };
  readonly arbiter: string;
}
type LazyLine = ServiceTick & { [REASON]: ReasonParts | string };

function readReason(this: LazyLine): string {
  const pending = this[REASON];
  if (typeof pending === 'string') return pending;
  const reason = joinReasons(pending.later.format(), pending.arbiter);
  this[REASON] = reason; // the parts are let go
  return reason;
}
const LAZY_REASON: PropertyDescriptor = { get: readReason, enumerable: true, configurable: true };

function withReasonLater(fields: Omit<ServiceTick, 'reason'>, pending: ReasonParts | string): ServiceTick {
  Object.defineProperty(fields, REASON, { value: pending, writable: true });
  return Object.defineProperty(fields, 'reason', LAZY_REASON) as ServiceTick;
}

function withReason(fields: Omit<ServiceTick, 'reason'>, reason: string): ServiceTick {
  (fields as { reason?: string }).reason = reason;
  return fields as ServiceTick;
}

function pendingOf(tick: ServiceTick): ReasonParts | string | undefined {
  return (tick as Partial<LazyLine>)[REASON];
}

/** A lazy line's fields but its reason (copied without formatting it). */
function fieldsOf(tick: ServiceTick): Omit<ServiceTick, 'reason'> {
  const fields: Record<string, unknown> = {};
  for (const key of Object.keys(tick)) if (key !== 'reason') fields[key] = tick[key as keyof ServiceTick];
  return fields as unknown as Omit<ServiceTick, 'reason'>;
}

/** The line already shows this state (most services, most ticks, even when some others changed). */
function sameActual(tick: ServiceTick, actual: ActualState): boolean {
  return (
    tick.running === actual.running &&
    tick.starting === actual.starting &&
    tick.stopping === actual.stopping &&
    tick.prepared === (actual.prepared || undefined) &&
    tick.problem === (actual.problem || undefined) &&
    sameCounts(tick.nodes, actual.nodes || undefined)
  );
}

function sameCounts(a: Readonly<Record<string, number>> | undefined, b: Readonly<Record<string, number>> | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}
