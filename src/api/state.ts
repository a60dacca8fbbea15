// What GET /api/state and GET /api/history return: a summary of the config and the latest tick, and
// the recent ticks from the agent's ring. Plain functions of the agent, so they are easy to test.
import type { Agent } from '../agent/agent.js';
import type { ServiceTick, TickRecord } from '../agent/records.js';
import { summarize } from '../config/parse.js';
import type { CapacityConfig } from '../config/schema.js';
import { inDisplayUnits, type Resources } from '../core/resources.js';
import type { PoolUsage, ServiceEstimates, ServicePolicy, TargetSpec } from '../core/types.js';

/** The policy fields GET /api/state shows of each service, as the config has them. */
const POLICY_KEYS = ['name', 'priority', 'min', 'max', 'target'] as const;

/** One service in GET /api/state: its policy's public fields, then what the last tick saw. */
export interface ServiceState extends Pick<ServicePolicy, (typeof POLICY_KEYS)[number]> {
  /** The target as one number where it has one (queueLength, perContainer); null otherwise. */
  readonly targetValue: number | null;
  readonly metricSource: string | null;
  readonly metricValue: number | null;
  /** The source of the service's `arrivals:`; null without one. */
  readonly arrivalsSource: string | null;
  /** The arrival rate (messages/s) of the last tick; null without `arrivals:` or when it could not be read. */
  readonly arrivalRate: number | null;
  readonly desired: number | null;
  readonly running: number;
  readonly starting: number;
  readonly stopping: number;
  readonly stale: boolean;
  readonly nodes: Readonly<Record<string, number>> | null;
  /** Why some of its containers are not becoming ready (e.g. "1 of 2 pods not Ready: ErrImageNeverPull (...)"); null when none is stuck. */
  readonly problem: string | null;
  /** What one container takes when the pool is in resources (cpu in cores, memory in bytes); null otherwise. */
  readonly size: Readonly<Record<string, number>> | null;
  /**
   * What microscale measured: the smoothed arrival rate and its noise and the rate per container
   * (configured, or learnt: `ratePerContainerLearned`) and the period of the arrivals' rises (`risePeriodS`, null
   * when they come at no regular moments) for sla targets; start and stop latency (s) from the engine.
   */
  readonly estimates: ServiceEstimates | null;
  readonly reason: string | null;
}

/** One resource of a pool in resources, in display units (`unit`). */
export interface ResourceState {
  readonly unit: 'cores' | 'bytes' | 'units';
  readonly capacity: number;
  /** Held by containers running, starting or stopping. */
  readonly used: number;
  /** Held once every service is at its allocation. */
  readonly allocated: number;
  /** Held right after the last plan (never over capacity). */
  readonly planned: number;
}

export interface PoolState {
  /** `containers` for an integer capacity; `resources` for {cpu, memory} or auto. */
  readonly kind: 'containers' | 'resources';
  /** Containers the pool holds (in resources: the containers it allocates at their sizes). */
  readonly capacity: number;
  /** Containers running, starting or stopping. */
  readonly used: number;
  /** Present when the pool is in resources: each resource's capacity and use. */
  readonly resources?: Readonly<Record<string, ResourceState>>;
}

export interface AgentState {
  /** One line, as `microscale validate` prints it. */
  readonly summary: string;
  readonly engine: string;
  readonly intervalMs: number;
  readonly startedAtMs: number;
  readonly paused: boolean;
  readonly dryRun: boolean;
  readonly ready: boolean;
  readonly seq: number;
  readonly atMs: number | null;
  readonly pool: PoolState;
  readonly engineError: string | null;
  readonly services: readonly ServiceState[];
}

export function targetValue(target: TargetSpec): number | null {
  if (target.kind === 'queueLength') return target.queueLength;
  if (target.kind === 'perContainer') return target.perContainer;
  if (target.kind === 'sla' && 'queueLength' in target.sla) return target.sla.queueLength;
  return null;
}

export function latestTick(agent: Agent): TickRecord | undefined {
  return agent.ticks.toArray().at(-1);
}

export function buildState(agent: Agent, ready: boolean): AgentState {
  const config = agent.config;
  const tick = latestTick(agent);
  const byName = new Map(tick?.services.map((s) => [s.name, s]));
  const services = config.services.map((service): ServiceState => {
    const seen = byName.get(service.name);
    return {
      ...(Object.fromEntries(POLICY_KEYS.map((key) => [key, service[key]])) as Pick<ServicePolicy, (typeof POLICY_KEYS)[number]>),
      targetValue: targetValue(service.target),
      metricSource: service.metric?.source ?? null,
      metricValue: seen?.demand ?? null,
      arrivalsSource: service.arrivals?.source ?? null,
      ...tickFields(seen),
    };
  });
  return {
    summary: summarize(config),
    engine: config.engine.kind,
    intervalMs: config.intervalMs,
    startedAtMs: agent.startedAtMs,
    paused: agent.paused,
    dryRun: agent.dryRun,
    ready,
    seq: tick?.seq ?? 0,
    atMs: tick?.atMs ?? null,
    pool: poolState(config.capacity, tick),
    engineError: tick?.engineError ?? null,
    services: [...services].sort((a, b) => a.priority - b.priority || a.name.localeCompare(b.name)),
  };
}

/** What the last tick saw of a service, under the same names, in the JSON's order: what shows before a tick has seen it. */
const UNSEEN = {
  arrivalRate: null,
  desired: null,
  running: 0,
  starting: 0,
  stopping: 0,
  stale: false,
  nodes: null,
  problem: null,
  size: null,
  estimates: null,
  reason: null,
} satisfies Partial<ServiceState>;
type TickKey = keyof typeof UNSEEN;

/** Compiles only while each field the tick has is what /api/state shows (size aside: it is converted to display units). */
type Shown<T extends { [K in Exclude<TickKey, 'size'>]: NonNullable<ServiceTick[K]> extends ServiceState[K] ? unknown : never }> = T;
type _TickFieldsShownAsTheyAre = Shown<Record<Exclude<TickKey, 'size'>, unknown>>;

function tickFields(seen: ServiceTick | undefined): Pick<ServiceState, TickKey> {
  const fields: Record<string, unknown> = { ...UNSEEN };
  for (const key of Object.keys(UNSEEN) as TickKey[]) fields[key] = seen?.[key] ?? UNSEEN[key];
  fields.size = seen?.size ? inDisplay(seen.size) : null;
  return fields as Pick<ServiceState, TickKey>;
}

const unitOf = (resource: string): ResourceState['unit'] => (resource === 'cpu' ? 'cores' : resource === 'memory' ? 'bytes' : 'units');

function inDisplay(amounts: Resources): Record<string, number> {
  return Object.fromEntries(Object.entries(amounts).map(([name, amount]) => [name, inDisplayUnits(name, amount)]));
}

/** Each resource of a pool in resources, in cores and bytes. */
export function resourceStates(usage: PoolUsage): Record<string, ResourceState> {
  const at = (amounts: Resources, name: string): number => inDisplayUnits(name, amounts[name] ?? 0);
  return Object.fromEntries(
    Object.keys(usage.capacity).map((name) => [
      name,
      {
        unit: unitOf(name),
        capacity: at(usage.capacity, name),
        used: at(usage.used, name),
        allocated: at(usage.allocated, name),
        planned: at(usage.planned, name),
      },
    ]),
  );
}

function poolState(capacity: CapacityConfig, tick: TickRecord | undefined): PoolState {
  if (typeof capacity === 'number') return { kind: 'containers', capacity, used: tick?.used ?? 0 };
  return {
    kind: 'resources',
    capacity: tick?.capacity ?? 0,
    used: tick?.used ?? 0,
    ...(tick?.resources ? { resources: resourceStates(tick.resources) } : {}),
  };
}

/** Tick sequence numbers are small; anything this large is a time in ms since the epoch. */
const EPOCH_MS_FLOOR = 1e11;

/** `since` is a tick seq (ticks after it) or a time in ms since the epoch (ticks at or after it). */
export function ticksSince(agent: Agent, since: number, limit: number): TickRecord[] {
  const all = agent.ticks.toArray();
  const after = since >= EPOCH_MS_FLOOR ? all.filter((t) => t.atMs >= since) : all.filter((t) => t.seq > since);
  return after.slice(-limit);
}
