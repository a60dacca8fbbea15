// Values pushed from outside (POST /api/services/{name}/metric and /arrivals): handed to the service's
// push source, and kept in the state file (push-memory.ts) so that a restarted agent decides from the
// last push at once. A push finds its service through an index by name, rebuilt whenever the config in
// force is another one (a reload), so it costs the same at 10,000 services as at 10.
import type { MicroscaleConfig, ServiceConfig } from '../config/schema.js';
import type { SourceRole } from '../sources/types.js';
import type { PushMemory } from './push-memory.js';
import type { SourceSet } from './source-set.js';
import { blockOf } from './wiring.js';

export class Pushes {
  private servicesByName = new Map<string, ServiceConfig>();
  private indexedConfig: MicroscaleConfig | undefined;

  constructor(
    private readonly sources: { readonly metric: SourceSet; readonly arrivals: SourceSet },
    private readonly memory: PushMemory,
    private readonly nowMs: () => number,
  ) {}

  /** Throws an Error for a service that takes no pushes here, a RangeError (from the source) for a bad value. */
  push(config: MicroscaleConfig, service: string, value: number, role: SourceRole): void {
    const configured = this.serviceNamed(config, service);
    if (!configured) throw new Error(`service "${service}" is not configured; known: ${namesOf(config.services)}`);
    const source = this.sources[role].get(service);
    if (!source?.accept) {
      const block = blockOf(configured, role);
      const has = block ? `its ${role} source is ${block.source}` : `it has no ${role}: block`;
      throw new Error(
        `service "${service}" does not take pushed ${role === 'metric' ? 'metrics' : 'arrivals'} (${has}); give it ${role}: {source: push}`,
      );
    }
    source.accept(value);
    this.memory.record(role, service, value, this.nowMs());
  }

  /** Hands each push source the value pushed before the restart (maxAge still counts from that push). */
  async restore(): Promise<void> {
    await this.memory.load();
    for (const role of ['metric', 'arrivals'] as const) {
      for (const [service, source] of this.sources[role].all) {
        const pushed = this.memory.get(role, service);
        if (pushed && source.restore) source.restore(pushed.value, pushed.atMs);
      }
    }
  }

  private serviceNamed(config: MicroscaleConfig, name: string): ServiceConfig | undefined {
    if (this.indexedConfig !== config) {
      this.servicesByName = new Map(config.services.map((s) => [s.name, s]));
      this.indexedConfig = config;
    }
    return this.servicesByName.get(name);
  }
}

/** Service names for an error message: the first 20, then how many more. */
function namesOf(services: readonly ServiceConfig[]): string {
  const shown = services.slice(0, 20).map((s) => s.name);
  return services.length > shown.length ? `${shown.join(', ')} and ${services.length - shown.length} more` : shown.join(', ');
}
