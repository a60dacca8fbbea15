// Builds the live parts from a validated config: the engine, one source per service with a metric, and
// one more per service with `arrivals:`. The kinds a validated config names are loaded already (the
// config could not be validated without them), so only the engine's is awaited.
import { poolResourceNames } from '../config/pool.js';
import type { EnginePool } from '../engines/types.js';
import type { MetricConfig, MicroscaleConfig, ServiceConfig } from '../config/schema.js';
import { engineKinds, findEngineKind } from '../engines/index.js';
import type { Engine, EngineContext, EngineService, LeaderElection } from '../engines/types.js';
import { findSourceKind } from '../sources/index.js';
import { CounterRateSource } from '../sources/shared/counter-rate.js';
import type { Source, SourceContext, SourceKind, SourceRole } from '../sources/types.js';
import type { Logger } from '../log/logger.js';

/** The service's block for a role: its `metric:` or its `arrivals:`. */
export function blockOf(service: ServiceConfig, role: SourceRole = 'metric'): MetricConfig | undefined {
  return role === 'metric' ? service.metric : service.arrivals;
}

export function sourceKindOf(service: ServiceConfig, role: SourceRole = 'metric'): SourceKind | undefined {
  const block = blockOf(service, role);
  return block ? findSourceKind(block.source) : undefined;
}

export function createSource(
  service: ServiceConfig,
  context: Omit<SourceContext, 'service'>,
  role: SourceRole = 'metric',
): Source | undefined {
  const kind = sourceKindOf(service, role);
  const block = blockOf(service, role);
  if (!kind || !block) return undefined;
  const log = context.log.child({ service: service.name, source: kind.kind, ...(role === 'metric' ? {} : { role }) });
  const source = kind.create(block, { ...context, service: service.name, role, log });
  // `arrivals: {counter: true}`: the source reads a counter of messages added; its reads become messages/s.
  return block.counter === true ? new CounterRateSource(source, kind.kind, service.name, context.nowMs) : source;
}

/** What the engine is told of each service: its name, stop grace period and engine keys. */
export function engineServicesOf(config: MicroscaleConfig): EngineService[] {
  return config.services.map((s) => ({ name: s.name, stopGracePeriodMs: s.stopGracePeriodMs, options: s.engineOptions }));
}

/** What the engine is told of a pool in resources (nothing for a number of containers). */
export function enginePoolOf(config: MicroscaleConfig): { pool?: EnginePool } {
  const capacity = config.capacity;
  if (typeof capacity === 'number') return {};
  const resources = poolResourceNames(capacity);
  return { pool: capacity.kind === 'auto' ? { resources, auto: true } : { resources, capacity: capacity.amounts, auto: false } };
}

export async function createEngine(config: MicroscaleConfig, context: EngineContext): Promise<Engine> {
  const kind = await engineKinds.load(config.engine.kind);
  if (!kind) throw new Error(`engine ${config.engine.kind} is not known`);
  return kind.create(config.engine, engineServicesOf(config), { ...context, ...enginePoolOf(config) });
}

/** The engine kind's leader election when the config asks for one (Kubernetes' `leaderElection:`), else undefined. */
export function createLeaderElection(config: MicroscaleConfig, log: Logger): LeaderElection | undefined {
  return findEngineKind(config.engine.kind)?.leaderElection?.(config.engine, log);
}

/**
 * One line per common key the config sets and the chosen engine does not apply (today stopGracePeriod on
 * kubernetes, nomad, marathon, ecs and sim), saying what holds instead. Returns the lines, for tests.
 */
export function ignoredKeyWarnings(config: MicroscaleConfig, log: Logger): string[] {
  const engine = findEngineKind(config.engine.kind);
  const why = engine?.ignoredKeys?.stopGracePeriod;
  if (!engine || !why) return [];
  const lines: string[] = [];
  const perService = config.services.flatMap((s, i) => (s.stopGracePeriodFrom === 'service' ? [`services[${i}] (${s.name})`] : []));
  if (config.services.some((s) => s.stopGracePeriodFrom === 'top-level'))
    lines.push(`stopGracePeriod: ignored by the ${engine.kind} engine: ${why}`);
  if (perService.length > 0) lines.push(`${perService.join(', ')}: stopGracePeriod is ignored by the ${engine.kind} engine: ${why}`);
  for (const line of lines) log.warn({ event: 'config-key-ignored', engine: engine.kind, key: 'stopGracePeriod' }, line);
  return lines;
}

function statusText(status: 'documented-api' | 'experimental', what: 'cluster' | 'server'): string {
  return status === 'experimental' ? 'experimental' : `tested against its documented API only, not on a real ${what}`;
}

/** Start-up lines that say plainly which plugins are not tested on a real server, and which keys the engine ignores. */
export function pluginWarnings(config: MicroscaleConfig, log: Logger): void {
  ignoredKeyWarnings(config, log);
  const engine = findEngineKind(config.engine.kind);
  if (engine?.status === 'documented-api' || engine?.status === 'experimental') {
    log.warn({ engine: engine.kind, status: engine.status }, `engine ${engine.kind} is ${statusText(engine.status, 'cluster')}`);
  }
  for (const service of config.services) {
    for (const role of ['metric', 'arrivals'] as const) {
      const kind = sourceKindOf(service, role);
      if (kind?.status === 'documented-api' || kind?.status === 'experimental') {
        log.warn(
          { service: service.name, source: kind.kind, role, status: kind.status },
          `source ${kind.kind} is ${statusText(kind.status, 'server')}`,
        );
      }
    }
  }
}
