// The one backoff policy: exponential from `firstMs`, doubling per failure, capped at `maxMs`. Pure.
// Each caller picks one of the named defaults below (or passes its own policy).

export interface BackoffPolicy {
  /** First wait after a failure (ms). */
  readonly firstMs: number;
  /** Longest wait (ms). */
  readonly maxMs: number;
}

/**
 * A source reconnecting to a queue server it lost (redis, rabbitmq, nats): never more than 400 ms apart
 * (480 with jitter), below one tick at the default 500 ms, so a server that is back is read at the next
 * tick, not seconds later. A refused connection costs next to nothing, and one to an unreachable host
 * waits out its connect timeout first, so the short cap never floods a server.
 */
export const RECONNECT_BACKOFF: BackoffPolicy = { firstMs: 100, maxMs: 400 };

/** An engine calling an orchestrator API again for one service after a failure: gentler, up to 30 s, so a throttled API is not hammered. */
export const API_RETRY_BACKOFF: BackoffPolicy = { firstMs: 500, maxMs: 30_000 };

/** The wait after failure number `attempt` (1-based). */
export function exponentialMs(attempt: number, policy: BackoffPolicy): number {
  return Math.min(policy.maxMs, policy.firstMs * 2 ** Math.max(0, attempt - 1));
}

/**
 * The delay before reconnect attempt `attempt` (1-based), with up to 20 % jitter so many clients that lost
 * the same server do not all knock at once.
 */
export function backoffMs(attempt: number, policy: BackoffPolicy = RECONNECT_BACKOFF, random: () => number = Math.random): number {
  return Math.round(exponentialMs(attempt, policy) * (1 + 0.2 * random()));
}
