// The sla controller's arrivals when nothing measures them (controllers/sla.ts without `arrivals:`):
// what the queue alone says.
//
// A queue that is not empty at the end of a tick measures the arrivals of that tick: its growth plus
// what the running containers worked off (they were busy all along). An empty queue only bounds them:
// they were at most what the containers could do, less the backlog they drained. So:
// - on a tick that ends with a queue, the arrivals are that measurement, and it is remembered;
// - on a tick that ends empty, they are the last measurement, capped at this tick's bound. Not the
//   smoothed mean: it lags a rise (after a burst's backlog drains it is still half-way up, and the count
//   it asks for sends the queue straight back up) and it is the level the queue last showed, no better.
// The bound stays above the truth while the queue is empty, so after a fall that no tick measured (a
// burst's end with the queue empty) the estimate stays high until a container fewer makes the queue
// show it: `probeNow` below. While a probe is under way and the queue stays empty, sla.ts does not
// raise on the bound (the queue is the judge); a queue showing ends the probe and measures the arrivals.
// The information an empty queue gives is one-sided, so probing is the only way down without a metric;
// what it costs is a container started again when the probe was wrong, and the seconds of queue before.

/** What the queue alone has measured: the last tick that ended with a queue. */
export interface QueueOnlyState {
  /** The arrivals (messages/s) that tick measured; null before any. */
  readonly measured: number | null;
  /** The probe under way while the queue has stayed empty since it; null once the queue shows. */
  readonly probe: QueueOnlyProbe | null;
}

export const QUEUE_ONLY_INITIAL: QueueOnlyState = { measured: null, probe: null };

/** What the controller remembers of the previous tick (SlaState's fields). */
export interface PreviousTick {
  readonly lastQueue: number | null;
  readonly lastRunning: number;
  readonly lastDesired: number | null;
  /** The smoothed arrivals so far. */
  readonly arrivals: number | null;
  readonly queueOnly: QueueOnlyState;
}

/**
 * This tick's arrivals (messages/s) from the queue alone: its growth over the tick plus what the
 * containers that worked through it could do. Those are the ones running at the previous tick, less
 * any it asked to stop (a container asked to stop takes no more work). That is the arrivals when the
 * queue ends the tick non-empty (they were busy all along), and their upper bound when it ends empty.
 */
export function queueOnlyArrivals(
  previous: PreviousTick,
  queue: number,
  running: number,
  rate: number,
  dtS: number,
  empty: boolean,
): { instant: number; state: QueueOnlyState } {
  const state = previous.queueOnly;
  // No previous queue to grow from (the first tick): what runs, a guess that measures nothing.
  if (previous.lastQueue === null || dtS <= 0) return { instant: running * rate, state };
  const worked = Math.min(previous.lastRunning, previous.lastDesired ?? previous.lastRunning) * rate;
  const slope = Math.max(0, (queue - previous.lastQueue) / dtS + worked);
  if (!empty) return { instant: slope, state: { measured: slope, probe: null } };
  // Before any tick has measured them, the smoothed arrivals (the guess of the first tick) under the bound.
  const known = state.measured ?? previous.arrivals;
  return { instant: known === null ? slope : Math.min(known, slope), state };
}

/** The probe under way: when it took a container away. */
export interface QueueOnlyProbe {
  readonly atMs: number;
}

/**
 * Whether to try one container fewer now, with the queue empty since `emptySinceMs`. A first probe
 * waits `keepS` of an empty queue, as any count coming down must hold that long. While the queue stays
 * empty after a probe, the probe was right (the arrivals are under what remains) and the estimate
 * is stale, so the next comes as soon as its outcome can show (`seeS`: the stop and a tick), not after
 * another `keepS`. A wrong probe shows as a queue within a tick, which measures the arrivals and ends
 * the chain; it costs what a wrong step down always cost: a container started again.
 */
export function probeNow(probe: QueueOnlyProbe | null, nowMs: number, emptySinceMs: number | null, keepS: number, seeS: number): boolean {
  if (emptySinceMs === null) return false;
  return nowMs - emptySinceMs >= (probe !== null ? seeS : keepS) * 1000;
}
