// Reads and validates a config: YAML → ${ENV} substitution → schema → cross-field checks. Every problem
// is collected (not just the first), each with its YAML path, the bad value and what is expected.
// A leaf: no I/O, and it knows no engine, source or image by name. The kinds are passed in (the agent's
// loader, agent/config-loader.ts, passes every registered kind, reads secret files and fills in image labels).
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { substituteEnv, type ReadSecretFile } from './env.js';
import { MAX_CONTAINERS } from './fields.js';
import { closest, formatIssues, showValue } from './issues.js';
import { keysAt } from './keys.js';
import { field, parseService, shown, type KindSchema, type ParseContext } from './parse-service.js';
import { checkPool, describeCapacity } from './pool.js';
import { readYaml, type YamlSource } from './yaml.js';
import { baseServiceShape, topLevelSchema, type CapacityConfig, type MicroscaleConfig, type ServiceConfig } from './schema.js';

export type { KindSchema } from './parse-service.js';

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

/** An empty file (or one of comments only) reads as null: say so, and what the least config is. */
export const EMPTY_CONFIG =
  'the file is empty (or holds only comments); a config needs at least capacity and services, ' +
  'e.g. capacity: 9 and services: [{name: web, target: remainder}] (a full example: examples/microscale.yaml)';

/** Validates an already-parsed document (an object) against the kinds given. Throws ConfigError with every problem. */
export function validateConfig(
  document: unknown,
  kinds: ConfigContext,
  env: NodeJS.ProcessEnv = process.env,
  file?: string,
): MicroscaleConfig {
  if (document === null || document === undefined) throw new ConfigError([`(root): ${EMPTY_CONFIG}`], file);
  const { value: input, problems, substituted } = substituteEnv(document, env, kinds.readSecretFile);
  // A reference that could not be filled in stays as written ("${CAP}"): the schema's own complaint about
  // that text at the same path says nothing new, so only the reference's problem is shown there.
  const referenceProblems = problems.length;
  const unfilled = new Set(problems.map((problem) => problem.slice(0, problem.indexOf(': '))));
  const refuse = (): ConfigError =>
    new ConfigError(
      problems.filter((problem, i) => i < referenceProblems || !unfilled.has(problem.slice(0, problem.indexOf(': ')))),
      file,
    );
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
  if (!top.success || !engineKind || !engineResult?.success) throw refuse();
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
    historyLines: top.data.historyLines,
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
  if (problems.length > 0) throw refuse();
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
  return (
    `valid: ${config.services.length} service${config.services.length === 1 ? '' : 's'} (priorities ${priorities.join(', ')}) ` +
    `on engine ${config.engine.kind}, capacity ${describeCapacity(config.capacity)}, interval ${config.intervalMs}ms`
  );
}
