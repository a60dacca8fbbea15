// Reads and validates a config: YAML → ${ENV} substitution → schema → cross-field checks. Every problem
// is collected (not just the first), each with its YAML path, the bad value and what is expected.
// A leaf: no I/O, and it knows no engine, source or image by name. The kinds are passed in (the agent's
// loader, agent/config-loader.ts, passes every registered kind, reads secret files and fills in image labels).
import { parseDocument } from 'yaml';
import { z } from 'zod';
import type { PidTuning, TargetSpec } from '../core/types.js';
import { ConfigError } from '../errors.js';
import { substituteEnv, type ReadSecretFile } from './env.js';
import { formatIssues, showValue, valueAt } from './issues.js';
import { keysAt } from './keys.js';
import { checkPool, defaultMax, describeCapacity, sizeOf } from './pool.js';
import { baseServiceShape, topLevelSchema, type CapacityConfig, type MetricConfig, type MicroscaleConfig, type ServiceConfig } from './schema.js';

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
  readonly engines: readonly (KindSchema & { readonly serviceShape: z.ZodRawShape })[];
  readonly sources: readonly KindSchema[];
  readonly readSecretFile: ReadSecretFile;
}

function parseMetric(raw: unknown, path: string, problems: string[], sources: ConfigContext['sources']): MetricConfig | undefined {
  if (raw === undefined) return undefined;
  const kindName = raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>).source : undefined;
  const kind = typeof kindName === 'string' ? sources.find((k) => k.kind === kindName) : undefined;
  if (!kind) {
    const known = sources.map((k) => k.kind).join(', ');
    problems.push(`${path}.source: expected one of ${known}, got ${showValue(kindName)}`);
    return undefined;
  }
  const result = kind.schema.safeParse(raw);
  if (result.success) return result.data as MetricConfig;
  problems.push(...formatIssues(result.error.issues, raw, path, (p) => keysAt(kind.schema, p)));
  return undefined;
}

/** `arrivals:` is feed-forward for the queue controller, in messages/s: it needs a queue target and a per-container rate. */
function checkArrivals(data: { target: TargetSpec; controller: PidTuning }, rawTarget: unknown, path: string, problems: string[]): void {
  if (data.target.kind === 'sla') return; // the sla controller takes arrivals, and learns the rate per container from them
  if (data.target.kind !== 'queueLength') {
    problems.push(
      `${path}.arrivals: only a service with target {queueLength: N} or {sla: ...} takes arrivals (they are feed-forward for the queue controller), got target ${showValue(rawTarget)}; remove arrivals, or use target: {queueLength: N}`,
    );
  } else if (data.controller.ratePerContainer === undefined) {
    problems.push(
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
  problems: string[],
  sources: ConfigContext['sources'],
): ServiceConfig | undefined {
  const path = `services[${index}]`;
  const result = serviceSchema.safeParse(raw);
  if (!result.success) {
    problems.push(...formatIssues(result.error.issues, raw, path, (p) => keysAt(serviceSchema, p)));
    return undefined;
  }
  const data = result.data as z.infer<z.ZodObject<typeof baseServiceShape>> & Record<string, unknown>;
  const metric = parseMetric(data.metric, `${path}.metric`, problems, sources);
  const arrivals = parseMetric(data.arrivals, `${path}.arrivals`, problems, sources);
  const size = sizeOf(data);
  const max = data.max ?? defaultMax(defaults.capacity, size);
  const before = problems.length;
  if (data.arrivals !== undefined) checkArrivals(data, valueAt(raw, ['target']), path, problems);
  checkSla(data, path, problems);
  if (data.min > max) problems.push(`${path}.min: expected min <= max (${max}), got ${data.min}`);
  if (data.target.kind !== 'remainder' && data.metric === undefined) {
    problems.push(`${path}.metric: is required for target ${showValue(data.target.kind)}; add a metric block, or use target: remainder`);
  }
  if (data.target.kind === 'remainder' && data.metric !== undefined) {
    problems.push(`${path}.metric: a remainder service takes what the pool has left and reads no metric; remove it or give a target`);
  }
  if (problems.length > before || (data.metric !== undefined && metric === undefined) || (data.arrivals !== undefined && arrivals === undefined)) return undefined;
  const engineOptions: Record<string, unknown> = {};
  for (const key of engineKeys) if (data[key] !== undefined) engineOptions[key] = data[key];
  return {
    name: data.name,
    priority: data.priority,
    min: data.min,
    max,
    target: data.target,
    tolerance: data.tolerance,
    pid: data.controller,
    metric,
    arrivals,
    onMetricError: data.onMetricError === 'hold' ? { kind: 'hold' } : { kind: 'fallback', count: data.onMetricError.fallback },
    stopGracePeriodMs: data.stopGracePeriod ?? defaults.stopGracePeriodMs,
    ...(data.stopGracePeriod !== undefined ? { stopGracePeriodFrom: 'service' as const } : defaults.stopGracePeriodGiven ? { stopGracePeriodFrom: 'top-level' as const } : {}),
    ...(size ? { size } : {}),
    engineOptions,
  };
}

function crossChecks(config: MicroscaleConfig, problems: string[]): void {
  const seen = new Map<string, number>();
  config.services.forEach((s, i) => {
    const first = seen.get(s.name);
    if (first !== undefined) problems.push(`services[${i}].name: "${s.name}" is already used by services[${first}]; names must be unique`);
    else seen.set(s.name, i);
  });
  if (typeof config.capacity === 'number') {
    const mins = config.services.reduce((sum, s) => sum + s.min, 0);
    if (mins > config.capacity) {
      problems.push(`capacity: the services' mins add up to ${mins}, more than the pool of ${config.capacity}; raise capacity or lower the mins`);
    }
  }
  if (config.metricTimeoutMs > config.intervalMs) {
    problems.push(`metricTimeout: expected at most the interval (${config.intervalMs}ms), got ${config.metricTimeoutMs}ms`);
  }
}

/** Validates an already-parsed document (an object) against the kinds given. Throws ConfigError with every problem. */
export function validateConfig(document: unknown, kinds: ConfigContext, env: NodeJS.ProcessEnv = process.env, file?: string): MicroscaleConfig {
  const { value: input, problems } = substituteEnv(document, env, kinds.readSecretFile);
  const top = topLevelSchema.safeParse(input);
  if (!top.success) problems.push(...formatIssues(top.error.issues, input, '', (p) => keysAt(topLevelSchema, p)));
  // Go on to the engine and the services even when the top level has problems, so every problem is
  // reported at once; take their inputs straight from the document.
  const raw = (input !== null && typeof input === 'object' ? input : {}) as Record<string, unknown>;
  const engineRaw = top.success ? top.data.engine : (raw.engine ?? { kind: 'sim' });
  const engineName = engineRaw !== null && typeof engineRaw === 'object' ? (engineRaw as Record<string, unknown>).kind : undefined;
  const engineKind = typeof engineName === 'string' ? kinds.engines.find((k) => k.kind === engineName) : undefined;
  if (!engineKind) {
    if (typeof engineName === 'string') problems.push(`engine.kind: expected one of ${kinds.engines.map((k) => k.kind).join(', ')}, got ${showValue(engineName)}`);
    throw new ConfigError(problems, file);
  }
  const engineResult = engineKind.schema.safeParse(engineRaw);
  if (!engineResult.success) {
    problems.push(...formatIssues(engineResult.error.issues, engineRaw, 'engine', (p) => keysAt(engineKind.schema, p)));
  }
  const serviceSchema = z.object({ ...baseServiceShape, ...engineKind.serviceShape }).strict();
  const engineKeys = Object.keys(engineKind.serviceShape);
  const capacity: CapacityConfig = top.success ? top.data.capacity : typeof raw.capacity === 'number' ? raw.capacity : Number.MAX_SAFE_INTEGER;
  const stopGracePeriodMs = top.success ? top.data.stopGracePeriod : 10_000;
  const servicesRaw = Array.isArray(raw.services) ? raw.services : [];
  const stopGracePeriodGiven = raw.stopGracePeriod !== undefined;
  const services = servicesRaw.map((service, i) => parseService(service, i, serviceSchema, engineKeys, { capacity, stopGracePeriodMs, stopGracePeriodGiven }, problems, kinds.sources));
  if (!top.success || !engineResult.success || problems.length > 0) throw new ConfigError(problems, file);
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
  crossChecks(config, problems);
  checkPool(config, engineKind, problems);
  if (problems.length > 0) throw new ConfigError(problems, file);
  return config;
}

/** Parses YAML text into a document; syntax errors throw a ConfigError with their line and column. */
export function parseYaml(text: string, file?: string): unknown {
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) {
    throw new ConfigError(
      document.errors.map((e) => `YAML syntax: ${e.message.split('\n')[0] ?? e.message}`),
      file,
    );
  }
  return document.toJS();
}

/** One line: what the config sets up. */
export function summarize(config: MicroscaleConfig): string {
  const priorities = [...new Set(config.services.map((s) => s.priority))].sort((a, b) => a - b);
  return `valid: ${config.services.length} service${config.services.length === 1 ? '' : 's'} (priorities ${priorities.join(', ')}) on engine ${config.engine.kind}, capacity ${describeCapacity(config.capacity)}, interval ${config.intervalMs}ms`;
}
