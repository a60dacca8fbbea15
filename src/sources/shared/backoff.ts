// Reconnect delays: exponential from `firstMs`, capped at `maxMs`, with up to 20 % jitter so many
// sources that lost the same server do not all knock at once.

export interface BackoffPolicy {
  readonly firstMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { firstMs: 100, maxMs: 5000 };

/** The delay before reconnect attempt `attempt` (1-based). */
export function backoffMs(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const base = Math.min(policy.maxMs, policy.firstMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (1 + 0.2 * random()));
}
