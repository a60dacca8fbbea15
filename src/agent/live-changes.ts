// Live changes to one service (PATCH /api/services/{name}): priority, min, max and target, validated
// with the config file's own field schemas and cross-checks, so a change the file would refuse is
// refused here too, with every problem and its YAML path. A refused change changes nothing.
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { formatAmount } from '../core/resources.js';
import { formatIssues, showValue } from '../config/issues.js';
import { baseServiceShape, type MicroscaleConfig, type ServiceConfig } from '../config/schema.js';

/** The keys a live change may set; everything else needs the config file (and SIGHUP). */
export const LIVE_KEYS = ['priority', 'min', 'max', 'target'] as const;

const patchSchema = z
  .object({
    priority: baseServiceShape.priority.removeDefault(),
    min: baseServiceShape.min.removeDefault(),
    max: baseServiceShape.max.unwrap(),
    target: baseServiceShape.target,
  })
  .partial()
  .strict();

export type ServicePatch = Partial<Pick<ServiceConfig, 'priority' | 'min' | 'max' | 'target'>>;

function crossCheck(config: MicroscaleConfig, service: ServiceConfig, path: string, problems: string[]): void {
  if (service.min > service.max) problems.push(`${path}.min: expected min <= max (${service.max}), got ${service.min}`);
  if (service.target.kind !== 'remainder' && service.metric === undefined) {
    problems.push(
      `${path}.target: ${showValue(service.target.kind)} needs a metric and this service has none; ` +
        `give it a metric in the config file, or keep target: remainder`,
    );
  }
  if (service.target.kind !== 'queueLength' && service.target.kind !== 'sla' && service.arrivals !== undefined) {
    problems.push(
      `${path}.target: only a {queueLength: N} or {sla: ...} target takes arrivals, ` +
        `and this service has ${service.arrivals.source} arrivals; ` +
        `remove arrivals in the config file first, or keep a queueLength or sla target`,
    );
  }
  if (service.target.kind === 'sla' && service.pid.ratePerContainer === undefined && service.arrivals === undefined) {
    problems.push(
      `${path}.target: {sla: ...} needs controller.ratePerContainer or an arrivals: ` +
        `block (to learn the rate from), and this service has neither; add one in the config file first`,
    );
  }
  const capacity = config.capacity;
  if (typeof capacity === 'number') {
    const mins = config.services.reduce((sum, s) => sum + s.min, 0);
    if (mins > capacity)
      problems.push(`${path}.min: the services' mins would add up to ${mins}, more than the pool of ${capacity}; lower a min`);
  } else if (capacity.kind === 'resources') {
    // Sizes known from the config (cpu/memory keys); sizes read from a workload are checked by the arbiter's mins-first rule.
    for (const [resource, total] of Object.entries(capacity.amounts)) {
      const mins = config.services.reduce((sum, s) => sum + s.min * (s.size?.[resource] ?? 0), 0);
      if (mins > total)
        problems.push(
          `${path}.min: the services' mins would need ${formatAmount(resource, mins)} ${resource}, ` +
            `more than the pool of ${formatAmount(resource, total)}; lower a min`,
        );
    }
  }
}

/**
 * Returns the config with `patch` applied to the service `name`. Throws ConfigError listing every
 * problem (paths as in the file: `services[1].min`); the config passed in is never modified.
 */
export function patchService(config: MicroscaleConfig, name: string, patch: unknown): MicroscaleConfig {
  const index = config.services.findIndex((s) => s.name === name);
  if (index < 0) {
    throw new ConfigError([`services: no service named ${showValue(name)}; known: ${config.services.map((s) => s.name).join(', ')}`]);
  }
  const path = `services[${index}]`;
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) {
    throw new ConfigError([`${path}: expected an object with any of ${LIVE_KEYS.join(', ')}, got ${showValue(patch)}`]);
  }
  const parsed = patchSchema.safeParse(patch);
  if (!parsed.success) {
    throw new ConfigError(
      formatIssues(parsed.error.issues, patch, path, () => [...LIVE_KEYS]).map((line) =>
        line.includes('unknown key') ? `${line} (live changes take ${LIVE_KEYS.join(', ')}; change the rest in the config file)` : line,
      ),
    );
  }
  if (Object.keys(parsed.data).length === 0) throw new ConfigError([`${path}: nothing to change; give any of ${LIVE_KEYS.join(', ')}`]);
  const before = config.services[index] as ServiceConfig;
  const changes: ServicePatch = Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined));
  const service: ServiceConfig = { ...before, ...changes };
  const next: MicroscaleConfig = { ...config, services: config.services.map((s, i) => (i === index ? service : s)) };
  const problems: string[] = [];
  crossCheck(next, service, path, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return next;
}
