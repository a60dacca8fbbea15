// The sla controller's way down (controllers/sla.ts): how long a count is held, when a measured fall
// ends that hold early (a burst's end), the probe of one fewer when nothing measures the arrivals, and
// `fewest`, the count that keeps the queue under a mark (the way up sizes with it too).
//
// Down only when it pays: a container costs nothing while there is a queue to work (it is busy), so
// the count comes down only once the queue is about to run dry, not within KEEP × (start + stop) of a
// rise (unless the measured arrivals fell out of their noise and drift: a burst's end), and then to the
// fewest that keep the queue under LOW_WATER of the high-water mark for that long, with λ at the larger
// of the level and its 5 s mean, which keeps a dip that may be noise from taking containers away; a
// fall standing STEP_DOWN noise deviations below the mean (a burst's end, a step down) is no such dip,
// and is planned at its level at once, as a rise is. A container stopped and started again holds a
// slot doing no work for a stop and a start, twice over (it and the background container that takes
// its slot): one needed again sooner than that is cheaper to keep.
// And a stop pays only if the slot goes to work: when every other service of the pool reads an empty
// queue and has what it asked for (a background service with a metric and nothing to do), nothing
// comes down (`slotWanted`, core/step.ts): holding costs the pool nothing then, a stop and a later
// start cost a slot doing no work, and the SLA keeps the spare containers.
import type { SlaBound } from '../types.js';
import { formatNumber } from './direct.js';
import { probeNow, type QueueOnlyState } from './sla-queue-only.js';
import { Z, surge, type TrafficReading } from './sla-traffic.js';
import type { Reaction } from './types.js';

/** Coming down must keep the queue under this fraction of the high-water mark. */
export const LOW_WATER = 0.3;
/** A count comes down only if it would hold for this many start + stop times. */
export const KEEP = 3;
/** A fall this many noise deviations below the mean is a step down (planned at its level), not a dip that may be noise. */
export const STEP_DOWN = 5;

/** The fewest n ≥ 0 with queue + (λ − n·μ)·T ≤ bound(n): linear in n, so solved, not searched. */
export function fewest(queue: number, arrivals: number, rate: number, horizonS: number, sla: SlaBound, fraction: number): number {
  const perContainer = 'queueLength' in sla ? 0 : (fraction * sla.waitMs * rate) / 1000;
  const fixed = 'queueLength' in sla ? fraction * sla.queueLength : 0;
  const need = (queue + arrivals * horizonS - fixed) / (rate * horizonS + perContainer);
  return Math.max(0, Math.ceil(need - 1e-9));
}

/**
 * How long (s) a count must be expected to hold before it comes down, and after a rise before it may:
 * KEEP stops and restarts, at least the horizon. The hold is a stop and a restart as this loop lives
 * them: one it asks for at a tick is seen done a tick later at the soonest, however quickly the engine
 * did it (the latencies are measured to the engine's own moment, finer than the tick; before session 5
 * they were rounded up to it).
 */
export function holdS(reaction: Reaction, horizonS: number, tickS: number): number {
  const throughLoopS = (latencyS: number): number => (latencyS > 0 ? Math.max(latencyS, tickS) : 0);
  return Math.max(horizonS, KEEP * (throughLoopS(reaction.startS) + throughLoopS(reaction.stopS) + throughLoopS(reaction.preemptS)));
}

/** What one tick gives the ways up (sla.ts) and down: the queue, the traffic as read, the count held. */
export interface SlaTick {
  readonly sla: SlaBound;
  readonly held: number;
  readonly queue: number;
  readonly running: number;
  readonly rate: number;
  readonly tickS: number;
  readonly nowMs: number;
  readonly keepS: number;
  /** When the count last went up before this tick (ms). */
  readonly lastUpMs: number | null;
  readonly emptySinceMs: number | null;
  /** This tick's arrivals, and what the traffic reading made of them; `measured` is undefined without a metric. */
  readonly instant: number;
  readonly traffic: TrafficReading;
  readonly measured: number | undefined;
  readonly queueOnly: QueueOnlyState;
  readonly stopS: number;
  /** The high-water mark (fraction of the SLA) that the queue is kept under LOW_WATER of. */
  readonly highWater: number;
  readonly slotWanted: boolean | undefined;
  /** A rise expected at the traffic's cadence (sla-cadence.ts), null when none. */
  readonly rise: ExpectedRise | null;
}

/** A rise expected at the traffic's cadence: its size (messages/s), in how long (s), and the cadence (s). */
export interface ExpectedRise {
  readonly size: number;
  readonly inS: number;
  readonly everyS: number;
}

/** A count come down, why, and the queue-only state with the probe it started, if it was one. */
export interface Down {
  readonly count: number;
  readonly why: string;
  readonly queueOnly: QueueOnlyState;
}

/**
 * Down: only as the queue runs dry, and only to a count that would hold for a while. `count` is what
 * the way up asked for (held when it asked for none); null when the count stays there.
 */
export function comeDown(tick: SlaTick, count: number): Down | null {
  const { held, queue, nowMs, keepS, instant, measured, tickS, emptySinceMs } = tick;
  const { mean, noise, drift, level } = tick.traffic;
  const lastUpMs = count > held ? nowMs : tick.lastUpMs;
  const dry = queue <= tick.running * tick.rate * tickS;
  const settled = lastUpMs === null || nowMs - lastUpMs >= keepS * 1000;
  const fell = instant < mean - STEP_DOWN * noise;
  // The hold after a rise keeps it from being undone by a dip that may be noise, or by one step of a
  // traffic that wanders (the next step may be up). A measured fall that stands out of both, STEP_DOWN
  // noise deviations and Z drifts (what the arrivals move over a horizon), is a burst's end: it does not
  // wait out the hold. From the queue alone it does: the slope reads low on the tick the queue runs dry.
  const ended = fell && measured !== undefined && mean - instant > Z * drift;
  // A stop frees a slot for another service's work; when none has any (input.slotWanted), holding is free.
  if (!(count === held && dry && (settled || ended) && tick.slotWanted !== false)) return null;
  // Without measured arrivals an empty queue hides how far they fell: a probe finds out (sla-queue-only.ts).
  const probe = measured === undefined && probeNow(tick.queueOnly.probe, nowMs, emptySinceMs, keepS, tick.stopS + tickS);
  const down = probe
    ? held - 1
    : fewest(
        queue + surge(keepS, noise, drift, tickS),
        (fell ? level : Math.max(level, mean)) + (tick.rise?.size ?? 0),
        tick.rate,
        keepS,
        tick.sla,
        tick.highWater * LOW_WATER,
      );
  if (!(down < held)) return null;
  return {
    count: down,
    why: probe
      ? `queue empty for ${Math.round((nowMs - (emptySinceMs ?? nowMs)) / 1000)}s: trying one fewer`
      : `${down} hold the queue for ${formatNumber(keepS)}s`,
    queueOnly: probe ? { ...tick.queueOnly, probe: { atMs: nowMs } } : tick.queueOnly,
  };
}
