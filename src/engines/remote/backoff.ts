// Per-service backoff for engines that call a remote orchestrator API: after a failure, calls for that
// one service wait (exponentially longer, or as long as the server's Retry-After says) while the other
// services go on. Pure: time comes in as an argument.
import type { EngineFailure } from '../../errors.js';
import { API_RETRY_BACKOFF, exponentialMs, type BackoffPolicy } from '../../util/backoff.js';

interface Entry {
  readonly failures: number;
  readonly retryAtMs: number;
}

export class ServiceBackoff {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly policy: BackoffPolicy = API_RETRY_BACKOFF) {}

  /** Ms left before `service` may be called again (0: call now). */
  waitMs(service: string, nowMs: number): number {
    const entry = this.entries.get(service);
    return entry ? Math.max(0, entry.retryAtMs - nowMs) : 0;
  }

  /** Records a failure; returns how long the service now waits. A server's Retry-After wins when longer. */
  failed(service: string, nowMs: number, retryAfterMs?: number): number {
    const failures = (this.entries.get(service)?.failures ?? 0) + 1;
    const exponential = exponentialMs(failures, this.policy);
    const delay = Math.min(this.policy.maxMs, Math.max(exponential, retryAfterMs ?? 0));
    this.entries.set(service, { failures, retryAtMs: nowMs + delay });
    return delay;
  }

  succeeded(service: string): boolean {
    return this.entries.delete(service);
  }

  /** Drops the service's record (it is no longer served). */
  forget(service: string): void {
    this.entries.delete(service);
  }

  failures(service: string): number {
    return this.entries.get(service)?.failures ?? 0;
  }
}

/** Failures that fixing on the orchestrator's side (or in the config) ends; retrying soon will not help. */
export function isPermanent(failure: EngineFailure): boolean {
  return failure === 'auth' || failure === 'not-found' || failure === 'refused';
}

/** Retry-After as seconds or an HTTP date → ms; undefined when absent or unreadable. */
export function parseRetryAfterMs(header: string | null | undefined, nowMs: number): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
