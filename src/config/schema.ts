// The config file's schema. Parsed once, at the edge, into the types the rest of microscale uses.
// The engine kind decides which extra keys a service may carry, and each metric's `source` decides the
// shape of its block, so a typo anywhere is an error with its YAML path.
import { z } from 'zod';
import type { Resources } from '../core/resources.js';
import type { PidTuning, ServicePolicy, SlaBound, TargetSpec } from '../core/types.js';
import { parseDurationMs } from './duration.js';
import {
  containerCount,
  duration,
  intAtLeast,
  MAX_CONTAINERS,
  MAX_DURATION_MS,
  MAX_NUMBER,
  nonEmptyString,
  numberAbove,
  numberAtLeast,
  quantity,
} from './fields.js';
import { imagesSchema, type ImagesConfig } from './images.js';

export const TARGET_HELP =
  'expected remainder, direct, {queueLength: N}, {perContainer: N}, {sla: {queueLength: N}} or {sla: {wait: DURATION}}';
export const SLA_HELP =
  'expected {queueLength: N} (the queue never longer than N) or {wait: DURATION} (a message never waits longer, e.g. 30s)';

/** `{sla: {queueLength: N}}` or `{sla: {wait: 30s}}`: what the service promises (controllers/sla.ts). */
function slaBound(raw: unknown, ctx: z.RefinementCtx): SlaBound | typeof z.NEVER {
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    const entries = Object.entries(raw);
    const [key, value] = entries[0] ?? [];
    if (entries.length === 1 && key === 'queueLength') {
      if (typeof value === 'number' && value > 0 && value <= MAX_NUMBER) return { queueLength: value };
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['sla', key], message: 'expected a number > 0' });
      return z.NEVER;
    }
    if (entries.length === 1 && key === 'wait') {
      const ms = typeof value === 'string' ? parseDurationMs(value) : undefined;
      if (ms !== undefined && ms > 0 && ms <= MAX_DURATION_MS) return { waitMs: ms };
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['sla', key],
        message:
          ms !== undefined && ms > MAX_DURATION_MS
            ? 'expected a duration of at most 596h (the longest a timer can wait)'
            : 'expected a duration > 0 like 500ms, 30s or 2m',
      });
      return z.NEVER;
    }
  }
  ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['sla'], message: SLA_HELP });
  return z.NEVER;
}

const targetSchema = z.unknown().transform((raw, ctx): TargetSpec => {
  if (raw === 'remainder') return { kind: 'remainder' };
  if (raw === 'direct') return { kind: 'direct' };
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    const entries = Object.entries(raw);
    const [key, value] = entries[0] ?? [];
    if (entries.length === 1 && key === 'sla') {
      const sla = slaBound(value, ctx);
      return sla === z.NEVER ? z.NEVER : { kind: 'sla', sla };
    }
    if (entries.length === 1 && (key === 'queueLength' || key === 'perContainer')) {
      if (typeof value === 'number' && value > 0 && value <= MAX_NUMBER) {
        return key === 'queueLength' ? { kind: 'queueLength', queueLength: value } : { kind: 'perContainer', perContainer: value };
      }
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: [key],
        message: typeof value === 'number' && value > MAX_NUMBER ? `expected a number <= ${MAX_NUMBER}` : 'expected a number > 0',
      });
      return z.NEVER;
    }
  }
  ctx.addIssue({ code: z.ZodIssueCode.custom, message: TARGET_HELP });
  return z.NEVER;
});

/** The pool: a number of containers, amounts of resources, or (engines that know their nodes) `auto`. */
export type CapacityConfig = number | { readonly kind: 'resources'; readonly amounts: Resources } | { readonly kind: 'auto' };

export const CAPACITY_HELP = 'expected an integer >= 1 (containers), resources like {cpu: "8", memory: 16Gi}, or auto';

const poolResourcesSchema = z
  .object({ cpu: quantity('cpu', 'down').optional(), memory: quantity('memory', 'down').optional() })
  .strict()
  .refine((amounts) => amounts.cpu !== undefined || amounts.memory !== undefined, {
    message: 'expected cpu, memory or both, e.g. {cpu: "8", memory: 16Gi}',
  });

const capacitySchema = z.unknown().transform((raw, ctx): CapacityConfig => {
  if (raw === 'auto') return { kind: 'auto' };
  if (typeof raw === 'number' && Number.isInteger(raw) && raw > MAX_CONTAINERS) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message:
        `expected at most ${MAX_CONTAINERS} containers (a pool holds at most ${MAX_CONTAINERS}), ` +
        `or resources like {cpu: "8", memory: 16Gi}`,
    });
    return z.NEVER;
  }
  if (typeof raw === 'number' && Number.isInteger(raw) && raw >= 1) return raw;
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    const result = poolResourcesSchema.safeParse(raw);
    if (result.success) {
      const amounts: Record<string, number> = {};
      if (result.data.cpu !== undefined) amounts.cpu = result.data.cpu;
      if (result.data.memory !== undefined) amounts.memory = result.data.memory;
      return { kind: 'resources', amounts };
    }
    for (const issue of result.error.issues) ctx.addIssue(issue);
    return z.NEVER;
  }
  ctx.addIssue({ code: z.ZodIssueCode.custom, message: raw === undefined ? `is required (${CAPACITY_HELP})` : CAPACITY_HELP });
  return z.NEVER;
});

const pidTuningSchema = z
  .object({
    kp: numberAtLeast(0).optional(),
    ki: numberAtLeast(0).optional(),
    kd: numberAtLeast(0).optional(),
    deadband: numberAtLeast(0).optional(),
    maxStepUp: containerCount(1).optional(),
    maxStepDown: containerCount(1).optional(),
    ratePerContainer: numberAbove(0).optional(),
    scaleDownDelay: duration().optional(),
  })
  .strict()
  .transform(
    ({ scaleDownDelay, ...rest }): PidTuning => ({
      ...rest,
      ...(scaleDownDelay === undefined ? {} : { scaleDownDelayMs: scaleDownDelay }),
    }),
  );

const onMetricErrorSchema = z
  .union([z.literal('hold'), z.object({ fallback: containerCount(0) }).strict()], {
    errorMap: () => ({ message: 'expected hold or {fallback: N}' }),
  })
  .transform((value) => (value === 'hold' ? { kind: 'hold' as const } : { kind: 'fallback' as const, count: value.fallback }));

/** What a service does when its metric cannot be read: hold its count, or go to a fixed count. */
export type OnMetricError = Readonly<z.output<typeof onMetricErrorSchema>>;

/** Keys every service has, whatever the engine. */
export const baseServiceShape = {
  name: nonEmptyString('a name of lowercase letters, digits, "-", "_" or "."').regex(
    /^[a-z0-9][a-z0-9._-]*$/,
    'expected a name of lowercase letters, digits, "-", "_" or "." starting with a letter or digit',
  ),
  priority: intAtLeast(1).default(1),
  min: containerCount(0).default(0),
  max: containerCount(0).optional(),
  target: targetSchema,
  tolerance: numberAtLeast(0).default(0.1),
  controller: pidTuningSchema.default({}),
  metric: z.unknown().optional(),
  /** Messages/s arriving, read like `metric:` (parse.ts): feed-forward for a queueLength target. */
  arrivals: z.unknown().optional(),
  onMetricError: onMetricErrorSchema.default('hold'),
  stopGracePeriod: duration().optional(),
  /** What one container takes, when capacity is in resources (engines that read it from the workload refuse these). */
  cpu: quantity('cpu', 'up').optional(),
  memory: quantity('memory', 'up').optional(),
  /** Take priority/min/max/target from the image's io.microscale.* labels where the file leaves them out (metadata/policy.ts). */
  labelsFrom: z
    .union(
      [z.enum(['registry', 'engine']), z.object({ registry: nonEmptyString() }).strict(), z.object({ engine: nonEmptyString() }).strict()],
      {
        errorMap: () => ({ message: 'expected registry, engine, {registry: IMAGE} or {engine: IMAGE}' }),
      },
    )
    .optional(),
};

const apiSchema = z
  .object({
    enabled: z.boolean({ invalid_type_error: 'expected true or false' }).default(true),
    listen: nonEmptyString('host:port')
      .regex(/^(\[[0-9a-fA-F:]+\]|[^:]+):\d{1,5}$/, 'expected host:port, e.g. 127.0.0.1:8321')
      .default('127.0.0.1:8321'),
    /** Host names the API answers besides loopback names and IP addresses: "agent.example.com", ".example.com", "*". */
    allowedHosts: z
      .array(
        nonEmptyString('a host name').regex(
          /^(\*|\.?[A-Za-z0-9_.-]+)$/,
          'expected a host name like agent.example.com, .example.com (and its subdomains) or *',
        ),
        {
          invalid_type_error: 'expected a list of host names',
        },
      )
      .max(100, 'expected at most 100 host names')
      .default([]),
  })
  .strict();

/** `historyLines:` by default: ~130 MB of tick history at ~650 bytes a service line (an hour of 27 services at 500 ms). */
export const DEFAULT_HISTORY_LINES = 200_000;

export const topLevelSchema = z
  .object({
    engine: z
      .object(
        { kind: nonEmptyString('an engine kind') },
        { invalid_type_error: 'expected a block with the engine kind, e.g. engine: {kind: docker}' },
      )
      .passthrough()
      .default({ kind: 'sim' }),
    capacity: capacitySchema,
    // Shorter would spin: each tick schedules the next one `interval` after it ends.
    interval: duration(10).default('500ms'),
    minTickGap: duration().default('50ms'),
    metricTimeout: duration().optional(),
    stopGracePeriod: duration().default('10s'),
    /** Service lines the agent's tick history keeps at most (~650 bytes each); the oldest ticks go first. */
    historyLines: intAtLeast(1).default(DEFAULT_HISTORY_LINES),
    api: apiSchema.default({}),
    logLevel: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
    /** Image tags to watch and notify about (src/watch/). */
    images: imagesSchema.optional(),
    /** Where `run` keeps pushed values across restarts: a path (relative to the config file), or off. */
    stateFile: z
      .union([z.literal('off'), nonEmptyString('a file path, or off')], { errorMap: () => ({ message: 'expected a file path, or off' }) })
      .optional(),
    services: z.array(z.unknown(), { invalid_type_error: 'expected a list of services' }).min(1, 'expected at least one service'),
  })
  .strict();

/** A metric block after validation: `source` plus the kind's own typed keys. */
export type MetricConfig = { readonly source: string } & Readonly<Record<string, unknown>>;

/** A service block as the schema reads it (defaults filled in, targets and controller tuning in the core's types). */
export type ServiceFields = z.output<z.ZodObject<typeof baseServiceShape>>;

/**
 * The keys the parser resolves against the rest of the file (parse.ts): `max` (by default what the pool
 * holds), `controller` (the core's `pid`), `metric` and `arrivals` (checked by their source kind),
 * `stopGracePeriod` (else the top-level one), `cpu` and `memory` (one `size`), and `labelsFrom` (read
 * before validation, metadata/policy.ts).
 */
export const RESOLVED_KEYS = ['max', 'controller', 'metric', 'arrivals', 'stopGracePeriod', 'cpu', 'memory', 'labelsFrom'] as const;
export type ResolvedKeys = (typeof RESOLVED_KEYS)[number];

/** Compiles only if T carries the core's policy: the agent and the simulator hand a service to the core as it is. */
type CarriesPolicy<T extends ServicePolicy> = T;

/**
 * One service as the agent runs it: the schema's fields as they are (name, priority, min, target, tolerance,
 * onMetricError), and the resolved ones; together the core's policy (name, priority, min, max, target,
 * tolerance, pid) and the rest. Derived from `baseServiceShape`, so a field is declared once, in the schema.
 */
export type ServiceConfig = CarriesPolicy<
  Readonly<Omit<ServiceFields, ResolvedKeys>> & {
    readonly max: number;
    readonly pid: ServiceFields['controller'];
    readonly metric: MetricConfig | undefined;
    /** Where the arrival rate (messages/s) comes from; on queueLength targets (with a ratePerContainer) and sla targets. */
    readonly arrivals: MetricConfig | undefined;
    readonly stopGracePeriodMs: number;
    /** Where stopGracePeriodMs came from: the service's own key, the top-level key; absent: the default (10 s). */
    readonly stopGracePeriodFrom?: 'service' | 'top-level';
    /** What one container takes (`cpu:`/`memory:` keys, base units), when given. */
    readonly size?: Resources;
    /** `labelsFrom:` as written (its labels are already filled in); kept so the image it names counts as named by the config. */
    readonly labelsFrom?: ServiceFields['labelsFrom'];
    /** The engine-specific keys (image, deployment, ...), validated by the engine's schema. */
    readonly engineOptions: Readonly<Record<string, unknown>>;
  }
>;

export interface MicroscaleConfig {
  readonly engine: { readonly kind: string } & Readonly<Record<string, unknown>>;
  readonly capacity: CapacityConfig;
  readonly intervalMs: number;
  readonly minTickGapMs: number;
  readonly metricTimeoutMs: number;
  readonly api: { readonly enabled: boolean; readonly listen: string; readonly allowedHosts?: readonly string[] };
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** The image watcher's block; undefined when nothing is watched. */
  readonly images?: ImagesConfig | undefined;
  /** `stateFile:` as written (a path, or off); `run` picks the default when it is absent. */
  readonly stateFile?: string | undefined;
  /** Service lines the tick history keeps at most (DEFAULT_HISTORY_LINES when absent). */
  readonly historyLines?: number;
  readonly services: readonly ServiceConfig[];
}
