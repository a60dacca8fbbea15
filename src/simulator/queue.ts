// The queue model of one service over one tick: messages arrive at the trace's rate, each running
// container works through `ratePerContainer` messages/s; starting and stopping containers do no work.
// Fluid (no randomness): the same trace and policy always give the same score.
export interface QueueTick {
  /** Messages waiting at the end of the tick. */
  readonly queue: number;
  /** Messages worked through during the tick. */
  readonly worked: number;
  /** Of the running containers' capacity, the fraction used (0 when none run). */
  readonly busyFraction: number;
}

export function advanceQueue(queue: number, arrivalRate: number, running: number, ratePerContainer: number, dtS: number): QueueTick {
  const arrived = arrivalRate * dtS;
  const capacity = running * ratePerContainer * dtS;
  const worked = Math.min(capacity, queue + arrived);
  return { queue: queue + arrived - worked, worked, busyFraction: capacity > 0 ? worked / capacity : 0 };
}

/** Seconds a message arriving now waits: the backlog over the rate it is worked off (∞ with none running). */
export function waitS(queue: number, running: number, ratePerContainer: number): number {
  if (queue <= 0) return 0;
  return running > 0 ? queue / (running * ratePerContainer) : Number.POSITIVE_INFINITY;
}
