// Reads the engine for the agent, with backoff: while the engine cannot be read, the agent is told so
// (and holds every service as it is) instead of asking again every tick.
import type { ActualState } from '../core/types.js';
import type { Engine } from '../engines/types.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log/logger.js';

const BACKOFF_MS = { first: 500, max: 30_000 };

export interface Observed {
  /** null when the engine could not be read this tick. */
  readonly actual: Map<string, ActualState> | null;
  readonly error: string | null;
}

export class EngineGuard {
  private backoffMs = 0;
  private retryAtMs = 0;

  constructor(
    private readonly engine: Engine,
    private readonly log: Logger,
  ) {}

  async observe(nowMs: number): Promise<Observed> {
    if (nowMs < this.retryAtMs) return { actual: null, error: `engine unreachable; retrying in ${Math.ceil((this.retryAtMs - nowMs) / 1000)}s` };
    try {
      const actual = await this.engine.observe();
      if (this.backoffMs > 0) this.log.info({ event: 'engine-recovered' }, 'engine reachable again; resuming');
      this.backoffMs = 0;
      return { actual, error: null };
    } catch (error) {
      this.backoffMs = Math.min(BACKOFF_MS.max, this.backoffMs ? this.backoffMs * 2 : BACKOFF_MS.first);
      this.retryAtMs = nowMs + this.backoffMs;
      const message = errorMessage(error);
      this.log.error({ event: 'engine-error', retryInMs: this.backoffMs }, `${message}; holding every service as it is, retrying in ${this.backoffMs}ms`);
      return { actual: null, error: message };
    }
  }
}
