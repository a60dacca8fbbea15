// Reads and validates a config: YAML → ${ENV} substitution → schema → cross-field checks. Every problem
// is collected (not just the first), each with its YAML path, the bad value and what is expected.
// A leaf: no I/O, and it knows no engine, source or image by name. The kinds are passed in (the agent's
// loader, agent/config-loader.ts, passes every registered kind, reads secret files and fills in image labels).
import { z } from 'zod';
import type { PidTuning, TargetSpec } from '../core/types.js';
import { ConfigError } from '../errors.js';
import { substituteEnv, type ReadSecretFile } from './env.js';
import { MAX_CONTAINERS } from './fields.js';
import { closest, formatIssues, showValue, valueAt } from './issues.js';
import { keysAt } from './keys.js';
import { checkPool, defaultMax, describeCapacity, sizeOf } from './pool.js';
import { readYaml, type YamlSource } from './yaml.js';
import {
  baseServiceShape,
  RESOLVED_KEYS,
  topLevelSchema,
  type ResolvedKeys,
  type CapacityConfig,
  type MetricConfig,
  type MicroscaleConfig,
  type ServiceConfig,
  type ServiceFields,
} from './schema.js';

/** What the parser needs to know of a source or engine kind: its name and the schema of its block. */
export interface KindSchema {
  readonly kind: string;
  readonly schema: z.ZodTypeAny;
}

/**
 * What validation needs from outside config/: the kinds a config may name (the engines, with the extra keys
 * each lets a service carry, and the sources), and how to read a `${file:/path}` secret.
 */
export interface ConfigContext {
  readonly engines: readonly (KindSchema & {
    readonly serviceShape: z.ZodRawShape;
    readonly sizes?: 'config' | 'workload';
    readonly autoCapacity?: boolean;
    /** Checks across the services only the engine knows (engines/types.ts EngineKind.checkServices). */
    readonly checkServices?: (
      config: { kind: string },
      services: readonly { name: string; stopGracePeriodMs: number; options: Readonly<Record<string, unknown>> }[],
    ) => string[];
  })[];
  readonly sources: readonly KindSchema[];
  readonly readSecretFile: ReadSecretFile;
}

/** Where the problems go, which values came from `${ENV}`/`${file:}`, and the source kinds: passed down the parse. */
interface ParseContext {
  readonly problems: string[];
  readonly substituted: ReadonlyMap<string, string>;
  readonly sources: ConfigContext['sources'];
}

function shown(value: unknown, path: string, context: ParseContext, key = ''): string {
  return showValue(value, key, { path, substituted: context.substituted });
}

function field(raw: unknown, key: string): unknown {
  return raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>)[key] : undefined;
}

function parseMetric(raw: unknown, path: string, context: ParseContext): MetricConfig | undefined {
  if (raw === undefined) return undefined;
  const { problems, sources } = context;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    problems.push(`${path}: expected a block like {source: KIND, ...}, got ${shown(raw, path, context)}`);
    return undefined;
  }
  const kindName = field(raw, 'source');
  const kind = typeof kindName === 'string' ? sources.find((k) => k.kind === kindName) : undefined;
  if (!kind) {
    const known = sources.map((k) => k.kind).join(', ');
    problems.push(`${path}.source: expected one of ${known}, got ${shown(kindName, `${path}.source`, context)}`);
    return undefined;
  }
  const result = kind.schema.safeParse(raw);
  if (result.success) return result.data as MetricConfig;
  problems.push(...formatIssues(result.error.issues, raw, path, (p) => keysAt(kind.schema, p), context.substituted));
  return undefined;
}

/** `arrivals:` is feed-forward for the queue controller, in messages/s: it needs a queue target and a per-container rate. */
function checkArrivals(data: { target: TargetSpec; controller: PidTuning }, rawTarget: unknown, path: string, context: ParseContext): void {
  if (data.target.kind === 'sla') return; // the sla controller takes arrivals, and learns the rate per container from them
  if (data.target.kind !== 'queueLength') {
    context.problems.push(
      `${path}.arrivals: only a service with target {queueLength: N} or {sla: ...} takes arrivals (they are feed-forward for the queue controller), got target ${shown(rawTarget, `${path}.target`, context)}; remove arrivals, or use target: {queueLength: N}`,
    );
  } else if (data.controller.ratePerContainer === undefined) {
    context.problems.push(
      `${path}.controller.ratePerContainer: is required with arrivals: without it the controller cannot turn messages/s into containers; add controller: {ratePerContainer: N} (the messages/s one container handles), or remove arrivals`,
    );
  }
}

/** An sla target needs the rate per container, configured or learnt; learning it needs the arrivals. */
function checkSla(data: { target: TargetSpec; controller: PidTuning; arrivals?: unknown }, path: string, problems: string[]): void {
  if (data.target.kind !== 'sla' || data.controller.ratePerContainer !== undefined || data.arrivals !== undefined) return;
  problems.push(
    `${path}.target: {sla: ...} needs the messages/s one container handles: set controller: {ratePerContainer: N}, or add an arrivals: block (a publish rate) so microscale can learn it from the queue's drain`,
  );
}

function parseService(
  raw: unknown,
  index: number,
  serviceSchema: z.ZodObject<z.ZodRawShape>,
  engineKeys: readonly string[],
  defaults: { capacity: CapacityConfig; stopGracePeriodMs: number; stopGracePeriodGiven: boolean },
  context: ParseContext,
): ServiceConfig | undefined {
  const path = `services[${index}]`;
  const { problems } = context;
  const result = serviceSchema.safeParse(raw);
  if (!result.success) {
    problems.push(...formatIssues(result.error.issues, raw, path, (p) => keysAt(serviceSchema, p), context.substituted));
    // The metric blocks are checked all the same, so a second run of validate finds nothing new.
    parseMetric(field(raw, 'metric'), `${path}.metric`, context);
    parseMetric(field(raw, 'arrivals'), `${path}.arrivals`, context);
    return undefined;
  }
  const data = result.data as ServiceFields & Record<string, unknown>;
  const before = problems.length;
  const metric = parseMetric(data.metric, `${path}.metric`, context);
  const arrivals = parseMetric(data.arrivals, `${path}.arrivals`, context);
  const size = sizeOf(data);
  // Whatever the pool, no service runs more than MAX_CONTAINERS (a pool of 1Ei memory in 1-byte containers).
  const max = data.max ?? Math.min(defaultMax(defaults.capacity, size), MAX_CONTAINERS);
  if (data.arrivals !== undefined) checkArrivals(data, valueAt(raw, ['target']), path, context);
  checkSla(data, path, problems);
  if (data.min > max) problems.push(`${path}.min: expected min <= max (${max}), got ${data.min}`);
  if (data.target.kind !== 'remainder' && data.metric === undefined) {
    problems.push(`${path}.metric: is required for target ${showValue(data.target.kind)}; add a metric block, or use target: remainder`);
  }
  if (data.target.kind === 'remainder' && data.metric !== undefined) {
    problems.push(`${path}.metric: a remainder service takes what the pool has left and reads no metric; remove it or give a target`);
  }
  if (problems.length > before) return undefined;
  const pick = (keys: readonly string[]) =>
    Object.fromEntries(keys.filter((key) => data[key] !== undefined).map((key) => [key, data[key]]));
  // The schema's own fields pass as they are (name, priority, min, target, tolerance, onMetricError); the
  // resolved ones (RESOLVED_KEYS) are replaced by what they resolve to.
  const resolved: readonly string[] = RESOLVED_KEYS;
  const fields = pick(Object.keys(baseServiceShape).filter((key) => !resolved.includes(key))) as Omit<ServiceFields, ResolvedKeys>;
  return {
    ...fields,
    max,
    pid: data.controller,
    metric,
    arrivals,
    stopGracePeriodMs: data.stopGracePeriod ?? defaults.stopGracePeriodMs,
    ...(data.stopGracePeriod !== undefined
      ? { stopGracePeriodFrom: 'service' as const }
      : defaults.stopGracePeriodGiven
        ? { stopGracePeriodFrom: 'top-level' as const }
        : {}),
    ...(size ? { size } : {}),
    engineOptions: pick(engineKeys),
  };
}

/** Checks across services, on whatever parsed: run even when other parts have problems (no rounds). */
function crossChecks(
  servicesRaw: readonly unknown[],
  capacity: CapacityConfig | undefined,
  timing: { intervalMs: number; metricTimeoutMs: number | undefined } | undefined,
  problems: string[],
): void {
  const seen = new Map<string, number>();
  let mins = 0;
  servicesRaw.forEach((raw, i) => {
    const name = field(raw, 'name');
    const min = field(raw, 'min');
    if (typeof min === 'number' && Number.isFinite(min) && min > 0) mins += min;
    if (typeof name !== 'string') return;
    const first = seen.get(name);
    if (first !== undefined)
      problems.push(`services[${i}].name: ${showValue(name)} is already used by services[${first}]; names must be unique`);
    else seen.set(name, i);
  });
  if (typeof capacity === 'number' && mins > capacity) {
    problems.push(`capacity: the services' mins add up to ${mins}, more than the pool of ${capacity}; raise capacity or lower the mins`);
  }
  if (timing?.metricTimeoutMs !== undefined && timing.metricTimeoutMs > timing.intervalMs) {
    problems.push(`metricTimeout: expected at most the interval (${timing.intervalMs}ms), got ${timing.metricTimeoutMs}ms`);
  }
}

/** With no known engine, a service key is unknown only if no engine takes it. */
function unknownToEveryEngine(raw: unknown, path: string, engines: ConfigContext['engines'], problems: string[]): void {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return;
  const known = [...new Set([...Object.keys(baseServiceShape), ...engines.flatMap((k) => Object.keys(k.serviceShape))])];
  for (const key of Object.keys(raw)) {
    if (known.includes(key)) continue;
    const suggestion = closest(key, known);
    problems.push(`${path}.${key}: unknown key${suggestion ? `; did you mean "${suggestion}"?` : '; remove it or check the spelling'}`);
  }
}

/** Validates an already-parsed document (an object) against the kinds given. Throws ConfigError with every problem. */
export function validateConfig(
  document: unknown,
  kinds: ConfigContext,
  env: NodeJS.ProcessEnv = process.env,
  file?: string,
): MicroscaleConfig {
  const { value: input, problems, substituted } = substituteEnv(document, env, kinds.readSecretFile);
  const context: ParseContext = { problems, substituted, sources: kinds.sources };
  const top = topLevelSchema.safeParse(input);
  if (!top.success) problems.push(...formatIssues(top.error.issues, input, '', (p) => keysAt(topLevelSchema, p), substituted));
  // Go on to the engine and the services even when the top level has problems, so every problem is
  // reported at once; take their inputs straight from the document.
  const raw = (input !== null && typeof input === 'object' && !Array.isArray(input) ? input : {}) as Record<string, unknown>;
  const engineRaw = top.success ? top.data.engine : (raw.engine ?? { kind: 'sim' });
  const engineName = field(engineRaw, 'kind');
  const engineKind = typeof engineName === 'string' ? kinds.engines.find((k) => k.kind === engineName) : undefined;
  if (!engineKind && typeof engineName === 'string') {
    problems.push(
      `engine.kind: expected one of ${kinds.engines.map((k) => k.kind).join(', ')}, got ${shown(engineName, 'engine.kind', context)}`,
    );
  }
  const engineResult = engineKind?.schema.safeParse(engineRaw);
  if (engineKind && engineResult && !engineResult.success) {
    problems.push(...formatIssues(engineResult.error.issues, engineRaw, 'engine', (p) => keysAt(engineKind.schema, p), substituted));
  }
  // With an unknown engine every service is still checked, against the keys all engines share.
  const serviceSchema = engineKind
    ? z.object({ ...baseServiceShape, ...engineKind.serviceShape }).strict()
    : z.object(baseServiceShape).passthrough();
  const engineKeys = engineKind ? Object.keys(engineKind.serviceShape) : [];
  const capacity: CapacityConfig = top.success ? top.data.capacity : typeof raw.capacity === 'number' ? raw.capacity : MAX_CONTAINERS;
  const stopGracePeriodMs = top.success ? top.data.stopGracePeriod : 10_000;
  const servicesRaw = Array.isArray(raw.services) ? raw.services : [];
  const stopGracePeriodGiven = raw.stopGracePeriod !== undefined;
  const services = servicesRaw.map((service, i) =>
    parseService(service, i, serviceSchema, engineKeys, { capacity, stopGracePeriodMs, stopGracePeriodGiven }, context),
  );
  if (!engineKind) servicesRaw.forEach((service, i) => unknownToEveryEngine(service, `services[${i}]`, kinds.engines, problems));
  const timing = top.success ? { intervalMs: top.data.interval, metricTimeoutMs: top.data.metricTimeout } : undefined;
  crossChecks(servicesRaw, top.success ? top.data.capacity : undefined, timing, problems);
  if (!top.success || !engineKind || !engineResult?.success) throw new ConfigError(problems, file);
  const config: MicroscaleConfig = {
    engine: engineResult.data,
    capacity: top.data.capacity,
    intervalMs: top.data.interval,
    minTickGapMs: top.data.minTickGap,
    metricTimeoutMs: top.data.metricTimeout ?? Math.min(Math.round(top.data.interval * 0.6), 2000),
    api: top.data.api,
    logLevel: top.data.logLevel,
    ...(top.data.images ? { images: top.data.images } : {}),
    stateFile: top.data.stateFile,
    services: services.filter((s): s is ServiceConfig => s !== undefined),
  };
  checkPool(config, engineKind, problems);
  if (engineKind.checkServices && services.every((s) => s !== undefined)) {
    problems.push(
      ...engineKind.checkServices(
        engineResult.data,
        config.services.map((s) => ({ name: s.name, stopGracePeriodMs: s.stopGracePeriodMs, options: s.engineOptions })),
      ),
    );
  }
  if (problems.length > 0) throw new ConfigError(problems, file);
  return config;
}

/** The YAML path a problem line starts with ("services[1].metric.url: ..."), as keys. */
function pathOf(problem: string): (string | number)[] {
  const match = /^([^\s:]+):/.exec(problem);
  if (!match?.[1] || match[1] === '(root)') return [];
  const keys: (string | number)[] = [];
  for (const part of match[1].matchAll(/([^.[\]]+)|\[(\d+)\]/g)) keys.push(part[2] !== undefined ? Number(part[2]) : (part[1] ?? ''));
  return keys;
}

/** The same problems with the line of each in the file, in the order of the file (they read top to bottom beside it). */
export function withLines(error: ConfigError, source: YamlSource): ConfigError {
  const located = error.problems.map((problem, i) => ({ problem, line: source.lineOf(pathOf(problem)), i }));
  located.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity) || a.i - b.i);
  return new ConfigError(
    located.map((p) => p.problem),
    error.file,
    located.map((p) => p.line),
  );
}

/**
 * Parses YAML text safely (alias bombs, recursive aliases, deep nesting and binary data are problems, with
 * their lines): the document, and the map from YAML paths to lines for the problems found later.
 */
export function parseYaml(text: string, file?: string): YamlSource & { readonly value: unknown } {
  const source = readYaml(text);
  if (source.problems.length > 0) {
    throw new ConfigError(
      source.problems.map((p) => p.message),
      file,
      source.problems.map((p) => p.line),
    );
  }
  return source;
}

/** One line: what the config sets up. */
export function summarize(config: MicroscaleConfig): string {
  const priorities = [...new Set(config.services.map((s) => s.priority))].sort((a, b) => a - b);
  return `valid: ${config.services.length} service${config.services.length === 1 ? '' : 's'} (priorities ${priorities.join(', ')}) on engine ${config.engine.kind}, capacity ${describeCapacity(config.capacity)}, interval ${config.intervalMs}ms`;
}
