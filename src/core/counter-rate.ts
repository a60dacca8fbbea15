// A rate (per second) from successive reads of a counter that only grows (messages ever added to a
// stream: NATS JetStream's last sequence, Redis 7's entries-added). Pure: the caller passes the time.
// The first read has no rate yet; a counter that goes backwards (the stream was deleted and made
// again) starts over, never giving a negative rate; reads closer than `minIntervalMs` keep the rate
// of the last full interval so a burst of ticks does not divide by a few milliseconds.

export interface CounterBase {
  /** The counter at the start of the interval the next rate is measured over. */
  readonly count: number;
  readonly atMs: number;
  /** The rate of the last full interval, kept while reads come closer than the minimum interval. */
  readonly rate: number | undefined;
}

export type CounterStep =
  | { readonly kind: 'rate'; readonly rate: number; readonly base: CounterBase }
  /** No rate yet: the first read, or the first after a reset (`reset` says which). */
  | { readonly kind: 'not-yet'; readonly reset: boolean; readonly base: CounterBase };

/** What one more read of the counter gives. `count` must be a finite number >= 0 (the caller checks). */
export function counterStep(base: CounterBase | undefined, count: number, atMs: number, minIntervalMs: number): CounterStep {
  const fresh: CounterBase = { count, atMs, rate: undefined };
  if (base === undefined) return { kind: 'not-yet', reset: false, base: fresh };
  if (count < base.count) return { kind: 'not-yet', reset: true, base: fresh };
  const elapsedMs = atMs - base.atMs;
  if (elapsedMs < Math.max(minIntervalMs, 1)) {
    // Too soon to measure (or the clock went back): keep the base, and the last rate if there is one.
    if (elapsedMs < 0) return { kind: 'not-yet', reset: true, base: fresh };
    return base.rate === undefined ? { kind: 'not-yet', reset: false, base } : { kind: 'rate', rate: base.rate, base };
  }
  const rate = ((count - base.count) * 1000) / elapsedMs;
  return { kind: 'rate', rate, base: { count, atMs, rate } };
}
