// Reads the engine for the agent, with backoff: while the engine cannot be read, the agent is told so
// (and holds every service as it is, changing nothing) instead of asking again every tick. An engine
// that notices its own return (Docker: /_ping answers, the events stream reconnects) wakes the agent
// through `watch`, and `retryNow` then ends the backoff so the agent converges at once instead of
// waiting it out. One log line when the outage starts, a summary while it lasts, one when it ends.
import type { ActualState } from '../core/types.js';
import type { Engine } from '../engines/types.js';
import { errorMessage } from '../errors.js';
import { Incidents } from '../log/incidents.js';
import type { Logger } from '../log/logger.js';

const BACKOFF_MS = { first: 500, max: 30_000 };
const KEY = 'engine';

export interface Observed {
  /** null when the engine could not be read this tick. */
  readonly actual: Map<string, ActualState> | null;
  readonly error: string | null;
}

export class EngineGuard {
  private backoffMs = 0;
  private retryAtMs = 0;
  private lastError = '';
  private readonly incidents: Incidents;

  constructor(
    private readonly engine: Engine,
    log: Logger,
  ) {
    this.incidents = new Incidents(log);
  }

  /** Whether the last read failed (the agent then changes nothing). */
  get down(): boolean {
    return this.incidents.failing(KEY);
  }

  /** The engine says it is back: the next tick reads it, whatever the backoff said. */
  retryNow(): void {
    this.retryAtMs = 0;
  }

  /** `act`: whether the agent may act this tick (see ObserveOptions). */
  async observe(nowMs: number, act = true): Promise<Observed> {
    if (nowMs < this.retryAtMs)
      return { actual: null, error: `${this.lastError}; retrying in ${Math.ceil((this.retryAtMs - nowMs) / 1000)}s` };
    try {
      const actual = await this.engine.observe({ act });
      this.incidents.ok(KEY, { event: 'engine-error' }, 'engine reachable again; resuming', nowMs);
      this.backoffMs = 0;
      return { actual, error: null };
    } catch (error) {
      this.backoffMs = Math.min(BACKOFF_MS.max, this.backoffMs ? this.backoffMs * 2 : BACKOFF_MS.first);
      this.retryAtMs = nowMs + this.backoffMs;
      this.lastError = errorMessage(error);
      this.incidents.fail(
        KEY,
        { event: 'engine-error', retryInMs: this.backoffMs },
        `${this.lastError}; holding every service as it is, changing nothing until the engine answers`,
        nowMs,
      );
      return { actual: null, error: this.lastError };
    }
  }
}
