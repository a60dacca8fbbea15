// This tick's pool: the configured one, or with `capacity: auto` what the engine says its nodes can
// give. When that cannot be read, the last known pool is shown and nothing is changed (`error`).
import type { MicroscaleConfig } from '../config/schema.js';
import type { Resources } from '../core/resources.js';
import type { Capacity } from '../core/types.js';
import type { Engine } from '../engines/types.js';
import { errorMessage } from '../errors.js';

export class TickPool {
  /** With `capacity: auto`: the pool the engine last reported, held through a failed read. */
  private lastAutoPool: Resources | undefined;

  constructor(private readonly engine: Engine) {}

  now(config: MicroscaleConfig): { capacity: Capacity; error: string | null } {
    const configured = config.capacity;
    if (typeof configured === 'number') return { capacity: configured, error: null };
    if (configured.kind === 'resources') return { capacity: configured.amounts, error: null };
    try {
      if (!this.engine.poolCapacity)
        throw new Error(`capacity: auto, but the ${config.engine.kind} engine cannot tell what its nodes hold`);
      this.lastAutoPool = this.engine.poolCapacity();
      return { capacity: this.lastAutoPool, error: null };
    } catch (error) {
      const message = `capacity auto: ${errorMessage(error)}; holding every service`;
      return { capacity: this.lastAutoPool ?? { cpu: 0, memory: 0 }, error: message };
    }
  }
}
