// A scenario: an ordinary microscale config on the `sim` engine, plus a `simulation:` block on each
// service with a queue (how much one container works through per second, the SLA, the trace column),
// and optionally on a remainder service (its background work's own arrival column and rate).
// The block is taken off before the ordinary config parser sees the file, so plain configs are
// untouched and a scenario is still a config `microscale validate` understands once it is removed.
import { z } from 'zod';
import { parseConfig, readConfigText } from '../agent/config-loader.js';
import { parseYaml, withLines } from '../config/parse.js';
import type { MicroscaleConfig, ServiceConfig } from '../config/schema.js';
import { formatIssues, showValue } from '../config/issues.js';
import { nonEmptyString, numberAbove, numberAtLeast } from '../config/fields.js';
import { ConfigError } from '../errors.js';
import type { Trace } from './trace.js';

const SLA_HELP = 'expected {queueLength: N} or {waitS: N}';

const slaSchema = z.union([z.object({ queueLength: numberAbove(0) }).strict(), z.object({ waitS: numberAbove(0) }).strict()], {
  errorMap: () => ({ message: SLA_HELP }),
});

export const simulationSchema = z
  .object({
    /** Messages per second one running container works through. */
    ratePerContainer: numberAbove(0),
    /** The bound the service must stay under: a queue length, or the wait of a message arriving now. */
    sla: slaSchema,
    /** The trace column with this service's arrival rate; default the service's name. */
    column: nonEmptyString('a trace column name').optional(),
    initialQueue: numberAtLeast(0).default(0),
    /**
     * The service has an arrival-rate metric (live: an `arrivals:` block, e.g. a publish rate): the
     * simulator hands microscale the rate measured over the last tick, as such a metric would.
     */
    arrivalsMetric: z.boolean({ invalid_type_error: 'expected true or false' }).default(false),
  })
  .strict();

/**
 * A remainder service's optional block: its own work arrives at a trace column's rate, so its
 * containers are busy only for the work there is (without the block, background work is always there).
 */
export const backgroundSchema = z
  .object({
    /** Messages per second one running container works through. */
    ratePerContainer: numberAbove(0),
    /** The trace column with the background work's arrival rate; default the service's name. */
    column: nonEmptyString('a trace column name').optional(),
    initialQueue: numberAtLeast(0).default(0),
  })
  .strict();

export interface Background {
  readonly ratePerContainer: number;
  readonly column: string;
  readonly initialQueue: number;
}

export type Sla = { readonly queueLength: number } | { readonly waitS: number };

export interface Simulation {
  readonly ratePerContainer: number;
  readonly sla: Sla;
  readonly column: string;
  readonly initialQueue: number;
  readonly arrivalsMetric: boolean;
}

export interface SimService {
  readonly config: ServiceConfig;
  /** Undefined for remainder services: background work, no target, no SLA. */
  readonly simulation: Simulation | undefined;
  /**
   * Remainder services with a `simulation:` block: the background work's own arrivals. Undefined:
   * background work is always there (a running container is always busy).
   */
  readonly background?: Background | undefined;
  readonly startLatencyMs: number;
  readonly stopLatencyMs: number;
}

export interface Scenario {
  /** The simulator counts containers: a scenario's pool is a number. */
  readonly config: MicroscaleConfig & { readonly capacity: number };
  readonly services: readonly SimService[];
}

function optionalMs(value: unknown, fallback: unknown): number {
  return typeof value === 'number' ? value : typeof fallback === 'number' ? fallback : 0;
}

/**
 * The simulation's rate per container is what a user would configure live (policies/microscale.ts
 * passes it on), so an sla target, which needs a rate or arrivals to learn it from, is validated with it.
 */
function withSimulatedRate(service: Record<string, unknown>, simulation: unknown): Record<string, unknown> {
  const target = service.target;
  const rate = simulation !== null && typeof simulation === 'object' ? (simulation as Record<string, unknown>).ratePerContainer : undefined;
  const isSla = target !== null && typeof target === 'object' && 'sla' in target;
  const controller = service.controller ?? {};
  if (!isSla || typeof rate !== 'number' || controller === null || typeof controller !== 'object' || 'ratePerContainer' in controller)
    return service;
  return { ...service, controller: { ...controller, ratePerContainer: rate } };
}

/** Validates a scenario document. Throws ConfigError naming every problem by its YAML path. */
export function parseScenario(document: unknown, file?: string, env: NodeJS.ProcessEnv = process.env): Scenario {
  const problems: string[] = [];
  const root = (document !== null && typeof document === 'object' ? { ...(document as Record<string, unknown>) } : {}) as Record<
    string,
    unknown
  >;
  const engine = root.engine as Record<string, unknown> | undefined;
  if (engine !== undefined && engine?.kind !== 'sim')
    problems.push(`engine.kind: a scenario runs on the sim engine; expected sim, got ${JSON.stringify(engine?.kind)}`);
  const rawServices = Array.isArray(root.services) ? root.services : [];
  const blocks: unknown[] = [];
  root.services = rawServices.map((raw: unknown) => {
    if (raw === null || typeof raw !== 'object') return raw;
    const { simulation, ...rest } = raw as Record<string, unknown>;
    blocks.push(simulation);
    // The simulator supplies the metric (the modelled queue), so a scenario need not name a source.
    const withMetric = rest.target !== 'remainder' && rest.metric === undefined ? { ...rest, metric: { source: 'random' } } : rest;
    return withSimulatedRate(withMetric, simulation);
  });
  let config: MicroscaleConfig | undefined;
  try {
    config = parseConfig(root, env, file);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  const backgrounds: (Background | undefined)[] = [];
  const simulations = rawServices.map((raw, i) => {
    const isRemainder = raw !== null && typeof raw === 'object' && (raw as Record<string, unknown>).target === 'remainder';
    const block = blocks[i];
    const path = `services[${i}].simulation`;
    const name = raw !== null && typeof raw === 'object' ? String((raw as Record<string, unknown>).name) : '';
    if (isRemainder) {
      backgrounds[i] = block === undefined ? undefined : parseBackground(block, path, name, problems);
      return undefined;
    }
    if (block === undefined) {
      problems.push(`${path}: is required for a service with a target: add {ratePerContainer: N, sla: {queueLength: N}}`);
      return undefined;
    }
    const result = simulationSchema.safeParse(block);
    if (!result.success) {
      problems.push(...formatIssues(result.error.issues, block, path, () => Object.keys(simulationSchema.shape)));
      return undefined;
    }
    if (result.data.arrivalsMetric !== true && (raw as Record<string, unknown>).arrivals !== undefined) {
      // The simulator reads no live source: an `arrivals:` it ignored would simulate queue-only control
      // while the file says otherwise, and the figures would not be the ones the user asked for.
      problems.push(
        `services[${i}].arrivals: the simulator cannot read ${showValue((raw as Record<string, unknown>).arrivals)} ` +
          '(it reads no live source); ' +
          'add simulation.arrivalsMetric: true to hand microscale the simulated arrival rate of the previous tick, as this metric would, ' +
          'or remove arrivals: to simulate queue-length-only control',
      );
    }
    return { ...result.data, column: result.data.column ?? name };
  });
  const capacity = config?.capacity;
  if (config && typeof capacity !== 'number') {
    problems.push(
      `capacity: the simulator counts containers, so a scenario's pool is an integer, got ${JSON.stringify(root.capacity)}; ` +
        'pools in resources (cpu, memory) and auto run live only',
    );
  }
  if (problems.length > 0 || !config || typeof capacity !== 'number') throw new ConfigError(problems, file);
  const engineConfig = config.engine;
  const services = config.services.map((service, i) => ({
    config: service,
    simulation: simulations[i],
    background: backgrounds[i],
    startLatencyMs: optionalMs(service.engineOptions.startLatency, engineConfig.startLatency),
    stopLatencyMs: optionalMs(service.engineOptions.stopLatency, engineConfig.stopLatency),
  }));
  return { config: { ...config, capacity }, services };
}

function parseBackground(block: unknown, path: string, name: string, problems: string[]): Background | undefined {
  if (block !== null && typeof block === 'object') {
    for (const key of ['sla', 'arrivalsMetric'] as const) {
      if (key in block)
        problems.push(
          `${path}.${key}: a remainder service has no target or SLA (it takes what the pool has left); ` +
            `remove ${key}, and give {ratePerContainer: N, column: NAME} if its work arrives at a rate`,
        );
    }
    if ('sla' in block || 'arrivalsMetric' in block) return undefined;
  }
  const result = backgroundSchema.safeParse(block);
  if (!result.success) {
    problems.push(...formatIssues(result.error.issues, block, path, () => Object.keys(backgroundSchema.shape)));
    return undefined;
  }
  return { ...result.data, column: result.data.column ?? name };
}

/** Parses a scenario's YAML with the config's limits (aliases, nesting, binary data); every problem with its line. */
export function parseScenarioText(text: string, file?: string): Scenario {
  const source = parseYaml(text, file);
  try {
    return parseScenario(source.value, file);
  } catch (error) {
    throw error instanceof ConfigError ? withLines(error, source) : error;
  }
}

export async function loadScenario(file: string): Promise<Scenario> {
  let text: string;
  try {
    text = readConfigText(file);
  } catch (error) {
    if (error instanceof ConfigError && error.problems[0]?.startsWith('file not found')) {
      throw new ConfigError(['file not found; see traces/scenario.yaml for an example'], file);
    }
    throw error;
  }
  return parseScenarioText(text, file);
}

/** Every service with a queue must find its column in the trace. */
export function checkTraceColumns(scenario: Scenario, trace: Trace, traceFile: string): void {
  const known = [...trace.columns.keys()];
  const problems = scenario.services.flatMap((s, i) => {
    const column = s.simulation?.column ?? s.background?.column;
    return column !== undefined && !trace.columns.has(column)
      ? [
          `services[${i}].simulation.column: the trace ${traceFile} has no column "${column}"; ` +
            `it has ${known.join(', ')} (set simulation.column to one of them)`,
        ]
      : [];
  });
  if (problems.length > 0) throw new ConfigError(problems);
}
