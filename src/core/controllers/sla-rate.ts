// The sla controller's rate per container μ (controllers/sla.ts), when `controller.ratePerContainer`
// does not set it: learnt from the queue's drain and the measured arrivals (work done ÷ running
// container-seconds, on ticks the queue never ran dry), with a floor from the other ticks.

/** Weight of one busy tick in the learnt rate per container. */
const RATE_LEARNING = 0.1;
/** A queue at or under this many messages is empty. */
export const EMPTY = 0.5;

/** The rate per container learnt on busy ticks, and a floor from the others (work done never exceeds what the containers can do). */
export interface LearntRate {
  readonly learnedRate: number | null;
  readonly rateFloor: number;
}

/**
 * Learns μ from the last interval: work done = arrivals − the queue's growth, per running container-second
 * (those running at the previous decision for the whole interval, those started since from their moment).
 */
export function learnRate(
  state: LearntRate & { readonly lastQueue: number | null; readonly lastRunning: number },
  queue: number,
  measured: number | undefined,
  dtS: number,
  newlyRunningS: number,
): LearntRate {
  const keep = state; // unchanged: no allocation (this runs for every service every tick)
  if (measured === undefined || state.lastQueue === null || dtS <= 0 || state.lastRunning <= 0) return keep;
  const sample = (measured * dtS - (queue - state.lastQueue)) / (state.lastRunning * dtS + newlyRunningS);
  if (!Number.isFinite(sample) || sample <= 0) return keep;
  if (state.lastQueue > EMPTY && queue > EMPTY) {
    return {
      learnedRate: state.learnedRate === null ? sample : state.learnedRate + RATE_LEARNING * (sample - state.learnedRate),
      rateFloor: state.rateFloor,
    };
  }
  return { learnedRate: state.learnedRate, rateFloor: Math.max(state.rateFloor, sample) };
}
