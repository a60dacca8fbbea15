// The sla controller's cadence (controllers/sla.ts): traffic whose rises come at regular moments (a
// batch job every N s, a producer that flushes every minute, rows of a per-minute feed), learnt from
// the rises themselves, so the containers for the next rise are working when it comes instead of a
// reaction time after it.
//
// A rise is a reading that stands above the one before by more than half a container's work and
// STEP_DOWN noise deviations (the same bar as a step down). The cadence is the longest whole fraction of
// the shortest interval of the last few rises that every interval is a multiple of (a rise may skip a
// moment: per-minute traffic does not rise every minute), at least CADENCE_HORIZONS horizons long
// (shorter cadences are the noise and drift the controller already plans for) and long enough against
// the tolerance that rises at random moments seldom fit it (CHANCE). While it holds, from a reaction
// time before each expected moment until the tick that would show it, the count is at least the fewest
// that hold the queue under the high-water mark at the arrivals a typical rise would bring (the rises'
// smoothed size, as much of it as persists: sla.ts), so they are working when it comes; planning one
// deviation of the sizes more cut NASA per minute's 3.5 s over the SLA to 2.5 s at 1.5 times the starts.
// What that adds comes down as soon as the moment has passed and the queue runs dry, without the hold
// that follows a rise that happened (sla.ts, remember).
// Random rises do not make a cadence: CADENCE_RISES intervals must agree within the tolerance (each by
// chance at most one time in 10), and one that does not ends it until they agree again.
import { formatNumber } from './direct.js';
import { STEP_DOWN, fewest, type ExpectedRise, type SlaTick } from './sla-down.js';
import { round } from './sla-reason.js';

/** Intervals between rises that must agree before a cadence is used. */
export const CADENCE_RISES = 6;
/** A cadence shorter than this many horizons is left to the noise and drift. */
export const CADENCE_HORIZONS = 4;
/**
 * At most this share of a period may be within the tolerance of its moments (twice it either side), so
 * that a rise at a random moment fits one by chance at most this often.
 */
export const CHANCE = 0.1;
/** The period may be the shortest interval between rises divided by up to this (moments without a rise). */
const MAX_PARTS = 4;
/** Rises the sizes are smoothed over. */
const RISES_SMOOTHING = 8;
/** Rise times remembered (the last CADENCE_RISES intervals need one more). */
const KEPT = CADENCE_RISES + 1;

/** What the cadence carries from tick to tick (part of SlaState). */
export interface CadenceState {
  /** When the last rises were read (ms), oldest first. */
  readonly rises: readonly number[];
  /** Smoothed size of a rise (messages/s). */
  readonly riseSize: number;
  /** When the last change of either sign (a rise or a step down) was read (ms). */
  readonly lastChangeMs: number | null;
  /**
   * The cadence fitted to these rises, at the tick and horizon it was fitted for; null until fitted.
   * Refitted only when a rise sets the beat or the tick or horizon change, not every tick (the fit is
   * about half a microsecond per service per tick).
   */
  readonly fit: Fit | null;
}

/** A cadence fitted to rises: the period (ms) and the rises' jitter around its moments (ms). */
export interface Beat {
  readonly periodMs: number;
  readonly jitterMs: number;
}

interface Fit {
  readonly tickMs: number;
  readonly horizonMs: number;
  readonly beat: Beat | null;
}

export const CADENCE_INITIAL: CadenceState = { rises: [], riseSize: 0, lastChangeMs: null, fit: null };

/** One tick's cadence: the state to keep, the learnt period (ms, null when none), and the rise to plan for now (messages/s). */
export interface CadenceReading {
  readonly state: CadenceState;
  readonly periodMs: number | null;
  /** The rise to be ready for now, null outside the window before an expected moment. */
  readonly rise: ExpectedRise | null;
}

/**
 * Reads this tick's arrivals (`instant`) against the last (`previous`) and the noise before this tick.
 * `leadS`: a container asked for now works this much later (pre-emption + start).
 */
export function readCadence(
  state: CadenceState,
  instant: number,
  previous: number | null,
  noise: number,
  rate: number,
  nowMs: number,
  tickS: number,
  leadS: number,
): CadenceReading {
  const change = previous === null ? 0 : instant - previous;
  const bar = Math.max(rate / 2, STEP_DOWN * noise);
  let next = state;
  if (Math.abs(change) > bar) {
    // A rise under half a typical one (noise between a batch job's runs) does not set the beat.
    const onBeat = change > 0 && change >= state.riseSize / 2;
    const rises = onBeat ? [...state.rises.slice(-(KEPT - 1)), nowMs] : state.rises;
    const first = state.rises.length === 0;
    const riseSize = onBeat ? (first ? change : state.riseSize + (change - state.riseSize) / RISES_SMOOTHING) : state.riseSize;
    next = { rises, riseSize, lastChangeMs: nowMs, fit: onBeat ? null : state.fit };
  }
  const tickMs = tickS * 1000;
  const horizonMs = (leadS + tickS) * 1000;
  let fit = next.fit;
  if (fit === null || fit.tickMs !== tickMs || fit.horizonMs !== horizonMs) {
    fit = { tickMs, horizonMs, beat: cadence(next.rises, tickMs, horizonMs) };
    next = { ...next, fit };
  }
  const { beat } = fit;
  const last = next.rises[next.rises.length - 1];
  if (beat === null || last === undefined) return { state: next, periodMs: null, rise: null };
  const { periodMs, jitterMs } = beat;
  const toleranceMs = tolerance(periodMs, tickMs);
  // The next expected moment not yet passed (with its jitter), and whether it has been seen.
  const expectedMs = last + Math.max(1, Math.ceil((nowMs - last - jitterMs - tickMs) / periodMs)) * periodMs;
  const seen = next.lastChangeMs !== null && next.lastChangeMs >= expectedMs - toleranceMs;
  // From a reaction time before the moment, as early as the rises have come, to as late as they have.
  const from = expectedMs - (leadS + tickS) * 1000 - jitterMs;
  const inWindow = nowMs >= from && nowMs <= expectedMs + jitterMs + tickMs;
  // A typical rise: the rises' smoothed size.
  const rise = { size: next.riseSize, inS: (expectedMs - nowMs) / 1000, everyS: periodMs / 1000 };
  return { state: next, periodMs, rise: inWindow && !seen ? rise : null };
}

/** How far a rise may fall from its expected moment (ms): a tick and a half, or 2 % of the period. */
function tolerance(periodMs: number, tickMs: number): number {
  return Math.max(1.5 * tickMs, 0.02 * periodMs);
}

/**
 * The period of the rises (ms), or null: the longest whole fraction of the shortest of the last
 * CADENCE_RISES intervals that each of them is a multiple of within twice the tolerance, at least
 * CADENCE_HORIZONS horizons and long enough that a random interval fits it by chance at most CHANCE of
 * the time (at 0.5 s ticks, 30 s); measured over all of them.
 */
export function cadence(rises: readonly number[], tickMs: number, horizonMs: number): Beat | null {
  if (rises.length < KEPT) return null;
  const intervals: number[] = [];
  for (let i = 1; i < rises.length; i++) intervals.push((rises[i] as number) - (rises[i - 1] as number));
  const shortest = Math.min(...intervals);
  // The rises may skip moments: the period is the longest whole fraction of the shortest interval that
  // every interval is a multiple of.
  for (let parts = 1; parts <= MAX_PARTS; parts++) {
    const period = shortest / parts;
    const toleranceMs = tolerance(period, tickMs);
    if (period < CADENCE_HORIZONS * horizonMs || (4 * toleranceMs) / period > CHANCE) return null;
    // Two rises each within the tolerance of their moments: their interval within twice it.
    if (intervals.every((interval) => Math.abs(interval - Math.round(interval / period) * period) <= 2 * toleranceMs))
      return fit(rises, period);
  }
  return null;
}

/** The period over all the rises (their span ÷ the moments it holds), and how far they fell from its moments (ms). */
function fit(rises: readonly number[], roughMs: number): Beat {
  const first = rises[0] as number;
  const moments = rises.map((at) => Math.round((at - first) / roughMs));
  const periodMs = ((rises[rises.length - 1] as number) - first) / (moments[moments.length - 1] as number);
  const offsets = rises.map((at, i) => at - first - (moments[i] as number) * periodMs);
  const centre = offsets.reduce((sum, offset) => sum + offset, 0) / offsets.length;
  return { periodMs, jitterMs: Math.max(...offsets.map((offset) => Math.abs(offset - centre))) };
}

/**
 * Ready for the rise expected at the cadence: at least the fewest containers that hold the queue under
 * the high-water mark at the arrivals it brings, asked a reaction time before it so that they are
 * working when it comes. `up` is what the way up asked for (sla.ts), null for none.
 */
export function readyForRise(tick: SlaTick, up: { count: number; why: string } | null): { count: number; why: string } | null {
  const { rise } = tick;
  if (rise === null) return up;
  const count = fewest(tick.queue, tick.traffic.level + rise.size, tick.rate, tick.keepS, tick.sla, tick.highWater);
  if (!(count > (up?.count ?? tick.held))) return up;
  const inS = formatNumber(Math.max(0, round(rise.inS)));
  return {
    count,
    why: `ready for a rise of ${formatNumber(Math.round(rise.size))}/s expected in ${inS}s (every ${formatNumber(round(rise.everyS))}s)`,
  };
}
