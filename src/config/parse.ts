// Reads and validates a config: YAML → ${ENV} substitution → schema → cross-field checks. Every problem
// is collected (not just the first), each with its YAML path, the bad value and what is expected.
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import type { PidTuning, TargetSpec } from '../core/types.js';
import { ConfigError } from '../errors.js';
import { findEngineKind, engineKinds } from '../engines/index.js';
import { findSourceKind, sourceKinds } from '../sources/index.js';
import { applyImageLabels, type ServiceOrigins } from '../metadata/policy.js';
import { substituteEnv } from './env.js';
import { formatIssues, showValue, valueAt } from './issues.js';
import { checkPool, defaultMax, describeCapacity, sizeOf } from './pool.js';
import { baseServiceShape, topLevelSchema, type CapacityConfig, type MetricConfig, type MicroscaleConfig, type ServiceConfig } from './schema.js';

function shapeKeys(schema: z.ZodTypeAny): string[] {
  let inner: z.ZodTypeAny = schema;
  while (inner instanceof z.ZodEffects || inner instanceof z.ZodDefault || inner instanceof z.ZodOptional) {
    inner = inner instanceof z.ZodEffects ? inner.innerType() : inner._def.innerType;
  }
  return inner instanceof z.ZodObject ? Object.keys(inner.shape as object) : [];
}

function keysAt(schema: z.ZodTypeAny, path: (string | number)[]): string[] {
  let inner: z.ZodTypeAny = schema;
  for (const key of path) {
    while (inner instanceof z.ZodEffects || inner instanceof z.ZodDefault || inner instanceof z.ZodOptional) {
      inner = inner instanceof z.ZodEffects ? inner.innerType() : inner._def.innerType;
    }
    if (inner instanceof z.ZodObject && typeof key === 'string') inner = (inner.shape as Record<string, z.ZodTypeAny>)[key] ?? z.never();
    else return [];
  }
  return shapeKeys(inner);
}

function parseMetric(raw: unknown, path: string, problems: string[]): MetricConfig | undefined {
  if (raw === undefined) return undefined;
  const kindName = raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>).source : undefined;
  const kind = typeof kindName === 'string' ? findSourceKind(kindName) : undefined;
  if (!kind) {
    const known = sourceKinds.map((k) => k.kind).join(', ');
    problems.push(`${path}.source: expected one of ${known}, got ${showValue(kindName)}`);
    return undefined;
  }
  const result = kind.schema.safeParse(raw);
  if (result.success) return result.data as MetricConfig;
  problems.push(...formatIssues(result.error.issues, raw, path, (p) => keysAt(kind.schema as z.ZodTypeAny, p)));
  return undefined;
}

/** `arrivals:` is feed-forward for the queue controller, in messages/s: it needs a queue target and a per-container rate. */
function checkArrivals(data: { target: TargetSpec; controller: PidTuning }, rawTarget: unknown, path: string, problems: string[]): void {
  if (data.target.kind !== 'queueLength') {
    problems.push(
      `${path}.arrivals: only a service with target {queueLength: N} takes arrivals (they are feed-forward for the queue controller), got target ${showValue(rawTarget)}; remove arrivals, or use target: {queueLength: N}`,
    );
  } else if (data.controller.ratePerContainer === undefined) {
    problems.push(
      `${path}.controller.ratePerContainer: is required with arrivals: without it the controller cannot turn messages/s into containers; add controller: {ratePerContainer: N} (the messages/s one container handles), or remove arrivals`,
    );
  }
}

function parseService(
  raw: unknown,
  index: number,
  serviceSchema: z.ZodObject<z.ZodRawShape>,
  engineKeys: readonly string[],
  defaults: { capacity: CapacityConfig; stopGracePeriodMs: number; stopGracePeriodGiven: boolean },
  problems: string[],
): ServiceConfig | undefined {
  const path = `services[${index}]`;
  const result = serviceSchema.safeParse(raw);
  if (!result.success) {
    problems.push(...formatIssues(result.error.issues, raw, path, (p) => keysAt(serviceSchema, p)));
    return undefined;
  }
  const data = result.data as z.infer<z.ZodObject<typeof baseServiceShape>> & Record<string, unknown>;
  const metric = parseMetric(data.metric, `${path}.metric`, problems);
  const arrivals = parseMetric(data.arrivals, `${path}.arrivals`, problems);
  const size = sizeOf(data);
  const max = data.max ?? defaultMax(defaults.capacity, size);
  const before = problems.length;
  if (data.arrivals !== undefined) checkArrivals(data, valueAt(raw, ['target']), path, problems);
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

/** Validates an already-parsed document (an object). Throws ConfigError with every problem. */
export function parseConfig(document: unknown, env: NodeJS.ProcessEnv = process.env, file?: string): MicroscaleConfig {
  const { value: input, problems } = substituteEnv(document, env);
  const top = topLevelSchema.safeParse(input);
  if (!top.success) problems.push(...formatIssues(top.error.issues, input, '', (p) => keysAt(topLevelSchema, p)));
  // Go on to the engine and the services even when the top level has problems, so every problem is
  // reported at once; take their inputs straight from the document.
  const raw = (input !== null && typeof input === 'object' ? input : {}) as Record<string, unknown>;
  const engineRaw = top.success ? top.data.engine : (raw.engine ?? { kind: 'sim' });
  const engineName = engineRaw !== null && typeof engineRaw === 'object' ? (engineRaw as Record<string, unknown>).kind : undefined;
  const engineKind = typeof engineName === 'string' ? findEngineKind(engineName) : undefined;
  if (!engineKind) {
    if (typeof engineName === 'string') problems.push(`engine.kind: expected one of ${engineKinds.map((k) => k.kind).join(', ')}, got ${showValue(engineName)}`);
    throw new ConfigError(problems, file);
  }
  const engineResult = engineKind.schema.safeParse(engineRaw);
  if (!engineResult.success) {
    problems.push(...formatIssues(engineResult.error.issues, engineRaw, 'engine', (p) => keysAt(engineKind.schema as z.ZodTypeAny, p)));
  }
  const serviceSchema = z.object({ ...baseServiceShape, ...engineKind.serviceShape }).strict();
  const engineKeys = Object.keys(engineKind.serviceShape);
  const capacity: CapacityConfig = top.success ? top.data.capacity : typeof raw.capacity === 'number' ? raw.capacity : Number.MAX_SAFE_INTEGER;
  const stopGracePeriodMs = top.success ? top.data.stopGracePeriod : 10_000;
  const servicesRaw = Array.isArray(raw.services) ? raw.services : [];
  const stopGracePeriodGiven = raw.stopGracePeriod !== undefined;
  const services = servicesRaw.map((service, i) => parseService(service, i, serviceSchema, engineKeys, { capacity, stopGracePeriodMs, stopGracePeriodGiven }, problems));
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
    services: services.filter((s): s is ServiceConfig => s !== undefined),
  };
  crossChecks(config, problems);
  checkPool(config, engineKind, problems);
  if (problems.length > 0) throw new ConfigError(problems, file);
  return config;
}

/** Parses YAML text; syntax errors come back with their line and column. */
export function parseConfigText(text: string, env: NodeJS.ProcessEnv = process.env, file?: string): MicroscaleConfig {
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) {
    throw new ConfigError(
      document.errors.map((e) => `YAML syntax: ${e.message.split('\n')[0] ?? e.message}`),
      file,
    );
  }
  return parseConfig(document.toJS(), env, file);
}

export async function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): Promise<MicroscaleConfig> {
  return (await loadConfigWithOrigins(file, env)).config;
}

/** loadConfigFile, plus where each `labelsFrom` service's priority/min/max/target came from (metadata/policy.ts). */
export async function loadConfigWithOrigins(file: string, env: NodeJS.ProcessEnv = process.env): Promise<{ config: MicroscaleConfig; services: readonly ServiceOrigins[] }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError([code === 'ENOENT' ? `file not found; create it or pass another with -c` : `cannot read it (${code ?? 'error'})`], file);
  }
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) return { config: parseConfigText(text, env, file), services: [] }; // throws the syntax errors
  // Image labels are filled in before validation, so a label value is checked exactly like a YAML value.
  const labels = await applyImageLabels(document.toJS(), env);
  let config: MicroscaleConfig | undefined;
  let problems = [...labels.problems];
  try {
    config = parseConfig(labels.document, env, file);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems = [...problems, ...error.problems];
  }
  if (!config || problems.length > 0) throw new ConfigError(problems, file);
  return { config, services: labels.services };
}

/** One line: what the config sets up. */
export function summarize(config: MicroscaleConfig): string {
  const priorities = [...new Set(config.services.map((s) => s.priority))].sort((a, b) => a - b);
  return `valid: ${config.services.length} service${config.services.length === 1 ? '' : 's'} (priorities ${priorities.join(', ')}) on engine ${config.engine.kind}, capacity ${describeCapacity(config.capacity)}, interval ${config.intervalMs}ms`;
}
