// The checks of a pool in resources (`capacity: {cpu: "8", memory: 16Gi}` or `auto`) against the
// services and the engine: where each container's size comes from, and that it fits the pool.
import { formatAmount, sizeProblem, type Resources } from '../core/resources.js';
import type { CapacityConfig, MicroscaleConfig } from './schema.js';

/** What the pool checks need to know of the engine kind (engines/types.ts EngineKind). */
export interface PoolEngineTraits {
  readonly kind: string;
  readonly sizes?: 'config' | 'workload';
  readonly autoCapacity?: boolean;
}

/** A service's `cpu:`/`memory:` keys as a size, if it has either. */
export function sizeOf(data: { readonly cpu?: number | undefined; readonly memory?: number | undefined }): Resources | undefined {
  if (data.cpu === undefined && data.memory === undefined) return undefined;
  return { ...(data.cpu === undefined ? {} : { cpu: data.cpu }), ...(data.memory === undefined ? {} : { memory: data.memory }) };
}

/**
 * A service's max when it gives none: the pool, in containers; in resources, as many of its containers
 * as fit the pool (when its size is known here), else no bound but the pool itself.
 */
export function defaultMax(capacity: CapacityConfig, size: Resources | undefined): number {
  if (typeof capacity === 'number') return capacity;
  if (capacity.kind === 'resources' && size) {
    const fits = Object.entries(capacity.amounts).map(([name, total]) => Math.floor(total / (size[name] ?? 1)));
    return Math.max(0, Math.min(...fits));
  }
  return Number.MAX_SAFE_INTEGER;
}

/** The resources a pool is counted in: none for a number of containers; cpu and memory for auto. */
export function poolResourceNames(capacity: CapacityConfig): readonly string[] {
  if (typeof capacity === 'number') return [];
  return capacity.kind === 'auto' ? ['cpu', 'memory'] : Object.keys(capacity.amounts).sort();
}

const example = (name: string): string => (name === 'cpu' ? '500m' : '256Mi');

/** Every problem of the pool with these services on this engine, each naming the field, the value and the fix. */
export function checkPool(config: MicroscaleConfig, engine: PoolEngineTraits, problems: string[]): void {
  const { capacity } = config;
  const fromWorkload = engine.sizes === 'workload';
  config.services.forEach((service, i) => {
    const path = `services[${i}]`;
    for (const name of Object.keys(service.size ?? {})) {
      const shown = formatAmount(name, service.size?.[name] ?? 0);
      if (typeof capacity === 'number') {
        problems.push(
          `${path}.${name}: ${shown} counts only when the pool is in resources, ` +
            `but capacity is ${capacity} containers; give capacity: {cpu: "8", memory: 16Gi}, or remove ${name}`,
        );
      } else if (fromWorkload) {
        problems.push(
          `${path}.${name}: on ${engine.kind} a container's size is its pod template's resources.requests, ` +
            `not a config key; remove ${name} and set resources.requests.${name} in the workload`,
        );
      }
    }
  });
  if (typeof capacity === 'number') return;
  if (capacity.kind === 'auto') {
    if (!engine.autoCapacity)
      problems.push(
        `capacity: auto needs an engine that knows its nodes (kubernetes), but the engine is ${engine.kind}; ` +
          `give a number of containers or resources like {cpu: "8", memory: 16Gi}`,
      );
    return;
  }
  if (fromWorkload) return; // the engine checks each workload's requests when it opens it
  const pool = capacity.amounts;
  config.services.forEach((service, i) => {
    for (const name of Object.keys(pool)) {
      if (service.size?.[name] === undefined) {
        problems.push(
          `services[${i}].${name}: is required when capacity counts ${name} (what ` +
            `one container of "${service.name}" takes), e.g. ${name}: ${example(name)}`,
        );
      }
    }
    const problem =
      service.size && Object.keys(pool).every((name) => service.size?.[name] !== undefined) ? sizeProblem(service.size, pool) : undefined;
    if (problem) {
      const name = Object.keys(pool).find((n) => (service.size?.[n] ?? 0) > (pool[n] ?? 0)) ?? 'cpu';
      problems.push(`services[${i}].${name}: ${problem}, so not one would ever start; lower ${name} or raise capacity.${name}`);
    }
  });
  for (const name of Object.keys(pool)) {
    const mins = config.services.reduce((sum, s) => sum + s.min * (s.size?.[name] ?? 0), 0);
    if (mins > (pool[name] ?? 0)) {
      problems.push(
        `capacity.${name}: the services' mins need ${formatAmount(name, mins)} ${name}, ` +
          `more than the pool of ${formatAmount(name, pool[name] ?? 0)}; raise capacity.${name} or lower the mins`,
      );
    }
  }
}

/** "9" / "cpu 8, memory 16Gi" / "auto (cpu and memory of the nodes)". */
export function describeCapacity(capacity: CapacityConfig): string {
  if (typeof capacity === 'number') return String(capacity);
  if (capacity.kind === 'auto') return 'auto (cpu and memory of the nodes)';
  return Object.keys(capacity.amounts)
    .sort()
    .map((name) => `${name} ${formatAmount(name, capacity.amounts[name] ?? 0)}`)
    .join(', ');
}
