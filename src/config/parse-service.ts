// One service of a config (parse.ts validateConfig calls it for each): its keys by the schema, its
// metric and arrivals blocks by their source kind, and the checks within the service.
import type { z } from 'zod';
import type { PidTuning, TargetSpec } from '../core/types.js';
import { MAX_CONTAINERS } from './fields.js';
import { formatIssues, showValue, valueAt } from './issues.js';
import { keysAt } from './keys.js';
import { defaultMax, sizeOf } from './pool.js';
import {
  baseServiceShape,
  RESOLVED_KEYS,
  type CapacityConfig,
  type MetricConfig,
  type ResolvedKeys,
  type ServiceConfig,
  type ServiceFields,
} from './schema.js';

/** What the parser needs to know of a source or engine kind: its name and the schema of its block. */
export interface KindSchema {
  readonly kind: string;
  readonly schema: z.ZodTypeAny;
  /** Source kinds that can read a counter of messages added (`arrivals: {counter: true}`). */
  readonly counter?: { readonly what: string; readonly schema: z.ZodTypeAny };
}

/** Where the problems go, which values came from `${ENV}`/`${file:}`, and the source kinds: passed down the parse. */
export interface ParseContext {
  readonly problems: string[];
  readonly substituted: ReadonlyMap<string, string>;
  readonly sources: readonly KindSchema[];
}

export function shown(value: unknown, path: string, context: ParseContext, key = ''): string {
  return showValue(value, key, { path, substituted: context.substituted });
}

export function field(raw: unknown, key: string): unknown {
  return raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>)[key] : undefined;
}

/** The kinds that take `counter: true`, for the error that names them. */
function counterKinds(context: ParseContext): string {
  return context.sources
    .filter((k) => k.counter)
    .map((k) => `${k.kind} (${k.counter?.what})`)
    .join(', ');
}

/**
 * `counter:` in an arrivals block: true when the source reads a counter of messages added, turned into
 * messages/s between reads. Returns the schema to parse the rest of the block with, or undefined after
 * a problem.
 */
function counterSchemaOf(
  raw: object,
  kind: KindSchema,
  path: string,
  isArrivals: boolean,
  context: ParseContext,
): z.ZodTypeAny | undefined {
  if (!('counter' in raw)) return kind.schema;
  const value = (raw as Record<string, unknown>).counter;
  const at = `${path}.counter`;
  if (!isArrivals) {
    context.problems.push(
      `${at}: only applies to arrivals: (a counter of messages added, turned into messages/s), got ${shown(value, at, context)}; remove counter from metric:`,
    );
    return undefined;
  }
  if (typeof value !== 'boolean') {
    context.problems.push(`${at}: expected true or false, got ${shown(value, at, context)}`);
    return undefined;
  }
  if (!value) return kind.schema;
  if (!kind.counter) {
    context.problems.push(
      `${at}: source ${kind.kind} has no counter of messages added, got counter: true; ` +
        `use a source that has one: ${counterKinds(context)}, or remove counter and give a rate in messages/s`,
    );
    return undefined;
  }
  return kind.counter.schema;
}

function parseMetric(raw: unknown, path: string, context: ParseContext, isArrivals = false): MetricConfig | undefined {
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
  const schema = counterSchemaOf(raw, kind, path, isArrivals, context);
  if (!schema) return undefined;
  const { counter, ...block } = raw as Record<string, unknown>;
  const result = schema.safeParse('counter' in raw ? block : raw);
  if (result.success) return { ...(result.data as MetricConfig), ...(counter === true ? { counter: true } : {}) };
  problems.push(...formatIssues(result.error.issues, raw, path, (p) => keysAt(schema, p), context.substituted));
  return undefined;
}

/** `arrivals:` is feed-forward for the queue controller, in messages/s: it needs a queue target and a per-container rate. */
function checkArrivals(data: { target: TargetSpec; controller: PidTuning }, rawTarget: unknown, path: string, context: ParseContext): void {
  if (data.target.kind === 'sla') return; // the sla controller takes arrivals, and learns the rate per container from them
  if (data.target.kind !== 'queueLength') {
    context.problems.push(
      `${path}.arrivals: only a service with target {queueLength: N} or {sla: ` +
        `...} takes arrivals (they are feed-forward for the queue controller), ` +
        `got target ${shown(rawTarget, `${path}.target`, context)}; remove arrivals, or use target: {queueLength: N}`,
    );
  } else if (data.controller.ratePerContainer === undefined) {
    context.problems.push(
      `${path}.controller.ratePerContainer: is required with arrivals: without it the controller cannot turn messages/s into containers; ` +
        `add controller: {ratePerContainer: N} (the messages/s one container handles), or remove arrivals`,
    );
  }
}

/** An sla target needs the rate per container, configured or learnt; learning it needs the arrivals. */
function checkSla(data: { target: TargetSpec; controller: PidTuning; arrivals?: unknown }, path: string, problems: string[]): void {
  if (data.target.kind !== 'sla' || data.controller.ratePerContainer !== undefined || data.arrivals !== undefined) return;
  problems.push(
    `${path}.target: {sla: ...} needs the messages/s one container handles: set controller: {ratePerContainer: ` +
      `N}, or add an arrivals: block (a publish rate) so microscale can learn it from the queue's drain`,
  );
}

/** One service: its keys by the schema (base and engine keys), its metric blocks by their source kind, and the checks within it. */
export function parseService(
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
    parseMetric(field(raw, 'arrivals'), `${path}.arrivals`, context, true);
    return undefined;
  }
  const data = result.data as ServiceFields & Record<string, unknown>;
  const before = problems.length;
  const metric = parseMetric(data.metric, `${path}.metric`, context);
  const arrivals = parseMetric(data.arrivals, `${path}.arrivals`, context, true);
  const size = sizeOf(data);
  // Whatever the pool, no service runs more than MAX_CONTAINERS (a pool of 1Ei memory in 1-byte containers).
  const max = data.max ?? Math.min(defaultMax(defaults.capacity, size), MAX_CONTAINERS);
  if (data.arrivals !== undefined) checkArrivals(data, valueAt(raw, ['target']), path, context);
  checkSla(data, path, problems);
  if (data.min > max) problems.push(`${path}.min: expected min <= max (${max}), got ${data.min}`);
  if (data.target.kind !== 'remainder' && data.metric === undefined) {
    problems.push(`${path}.metric: is required for target ${showValue(data.target.kind)}; add a metric block, or use target: remainder`);
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
    ...(data.labelsFrom !== undefined ? { labelsFrom: data.labelsFrom } : {}),
    engineOptions: pick(engineKeys),
  };
}
