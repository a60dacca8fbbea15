// `sla`: keep a promise (queue ≤ N, or a message's wait ≤ W) with the fewest containers.
//
// Queueing, not a setpoint. With arrivals λ (measured, or estimated from the queue's slope), μ
// messages/s per running container and q waiting now, n containers move the queue at λ − n·μ.
// A container asked for now works only after the reaction time L: the stop of a lower-priority
// container it pre-empts when the pool is full, plus its own start, both measured (core/latency.ts).
// - λ is planned at the mean the arrivals are expected to keep over the horizon: the 5 s mean plus
//   the part of the latest reading's deviation from it that persists. How much persists is learnt
//   from the traffic itself: of the deviations seen one horizon ago, the fraction still there now
//   (a regression at that lag), averaged over the horizon as an exponential decay. Steps, flash
//   crowds and random walks persist (the latest reading is planned in full); per-second bursts
//   that are gone by the time a container would start do not (the queue absorbs them, no chase).
//   Until deviations larger than half a container's work have been seen to fade, a reading is
//   assumed to persist, so the first step is met at once.
//   The noise is the smoothed size of successive differences; Z noise deviations of the sum over a
//   period are added to what the queue may take in.
// - Up, at the latest safe moment: the queue expected once a container asked for now works (t + L),
//   and a tick later, must stay under the high-water mark (HIGH_WATER of the SLA). When it would not,
//   n is the fewest that bring it back under the mark within L + a tick.
// - Down, only when it pays: a container costs nothing while there is a queue to work (it is busy),
//   so the count comes down only once the queue is about to run dry, not within KEEP × (start + stop)
//   of a rise (unless the measured arrivals fell out of their noise and drift: a burst's end), and then to the fewest that keep the queue under LOW_WATER of the mark for that long,
//   with λ at the larger of the level and its 5 s mean, which keeps a dip that may be noise from
//   taking containers away; a fall standing STEP_DOWN noise deviations below the mean (a burst's end,
//   a step down) is no such dip, and is planned at its level at once, as a rise is. A container
//   stopped and started again holds a slot doing no work for a stop and a start, twice over (it and
//   the background container that takes its slot): one needed again sooner than that is cheaper to keep.
//   And a stop pays only if the slot goes to work: when every other service of the pool reads an empty
//   queue and has what it asked for (a background service with a metric and nothing to do), nothing
//   comes down (`slotWanted`, core/step.ts): holding costs the pool nothing then, a stop and a later
//   start cost a slot doing no work, and the SLA keeps the spare containers.
// Between the two marks the count does not move: the queue is the buffer, so whole containers do not
// chatter around a fractional need, and containers run busy rather than idle.
// The rate per container is `controller.ratePerContainer` when set, else learnt from the queue's drain
// and the measured arrivals (work done ÷ running container-seconds, on ticks the queue never ran dry).
// Constants: tuned on many trace shapes (bursts, flash crowds, noisy waves, on/off, NASA per second
// and compressed per minute) at several seeds; docs/simulator.md has the figures.
import type { Observation, SlaBound } from '../types.js';
import { formatNumber } from './direct.js';
import { QUEUE_ONLY_INITIAL, probeNow, queueOnlyArrivals, type QueueOnlyState } from './sla-queue-only.js';
import { SlaReason, round } from './sla-reason.js';
import { ARRIVALS_SMOOTHING_S, DRIFT_SMOOTHING_S, Z, ewma, persistence, pushWindow, surge } from './sla-traffic.js';
import type { Controller, ControllerInput, Reaction } from './types.js';
import { clampCount } from './types.js';

export interface SlaState {
  /** Smoothed arrival rate (messages/s), over ARRIVALS_SMOOTHING_S and FAST_SMOOTHING_S, its noise, and the last reading. */
  readonly arrivals: number | null;
  readonly noise: number;
  readonly lastInstant: number | null;
  /** The readings of the last horizon, and the smoothed size of the change across it. */
  readonly recent: readonly number[];
  readonly spread: number;
  /** The 5 s means of the last horizon, and the smoothed products of a deviation from the mean then with what remained of it one horizon later, and its square. */
  readonly recentMeans: readonly number[];
  readonly lagProduct: number;
  readonly lagSquare: number;
  readonly lastQueue: number | null;
  readonly lastRunning: number;
  /** The rate per container learnt on busy ticks, and a floor from the others (work done never exceeds what the containers can do). */
  readonly learnedRate: number | null;
  readonly rateFloor: number;
  readonly lastDesired: number | null;
  /** When the count last went up (ms), and since when the queue has been empty (ms). */
  readonly lastUpMs: number | null;
  readonly emptySinceMs: number | null;
  /** Without measured arrivals: what the queue alone has measured (sla-queue-only.ts). */
  readonly queueOnly: QueueOnlyState;
}

/** The queue may rise to this fraction of the SLA before containers are added. */
export const HIGH_WATER = 0.4;
/** Coming down must keep the queue under this fraction of the high-water mark. */
export const LOW_WATER = 0.3;
/** A count comes down only if it would hold for this many start + stop times. */
export const KEEP = 3;
/** A fall this many noise deviations below the mean is a step down (planned at its level), not a dip that may be noise. */
export const STEP_DOWN = 5;
/** Above this fraction of the SLA, the queue is brought back under the high-water mark within the horizon, not over KEEP. */
export const URGENT = 0.7;
/** Weight of one busy tick in the learnt rate per container. */
const RATE_LEARNING = 0.1;
/** Until measured (core/latency.ts): Docker-like latencies. */
export const DEFAULT_REACTION: Reaction = { startS: 2, stopS: 1, preemptS: 1 };
const EMPTY = 0.5;

export const slaController: Controller<SlaState> = {
  kind: 'sla',
  initialState: () => ({
    arrivals: null,
    noise: 0,
    lastInstant: null,
    recent: [],
    spread: 0,
    recentMeans: [],
    lagProduct: 0,
    lagSquare: 0,
    lastQueue: null,
    lastRunning: 0,
    learnedRate: null,
    rateFloor: 0,
    lastDesired: null,
    lastUpMs: null,
    emptySinceMs: null,
    queueOnly: QUEUE_ONLY_INITIAL,
  }),
  decide(input, state) {
    const { policy, observation, current } = input;
    const { target } = policy;
    if (target.kind !== 'sla') throw new Error(`sla controller needs an sla target, got ${target.kind}`);
    if (!observation) return { desired: { kind: 'count', count: current }, state, reason: 'no metric yet' };
    // A queue that is not a finite number says nothing: hold, and keep it out of the state (a NaN there
    // would stay in every mean after it, and an infinite queue would ask for every container).
    if (!Number.isFinite(observation.value)) {
      const held = clampCount(state.lastDesired ?? current, policy.min, policy.max);
      return {
        desired: { kind: 'count', count: held },
        state,
        reason: `queue reading ${observation.value} is not a number: holding ${held}`,
      };
    }
    return decideSla(input, state, target.sla, observation);
  },
};

function measuredArrivals(observation: Observation): number | undefined {
  const rate = observation.arrivalRate;
  return rate !== undefined && Number.isFinite(rate) ? Math.max(0, rate) : undefined;
}

/**
 * Learns μ from the last interval: work done = arrivals − the queue's growth, per running container-second
 * (those running at the previous decision for the whole interval, those started since from their moment).
 */
function learnRate(
  state: SlaState,
  queue: number,
  measured: number | undefined,
  dtS: number,
  newlyRunningS: number,
): Pick<SlaState, 'learnedRate' | 'rateFloor'> {
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

/** The most the queue may hold with n containers, at `fraction` of the SLA. */
function bound(sla: SlaBound, n: number, rate: number, fraction: number): number {
  return 'queueLength' in sla ? fraction * sla.queueLength : (fraction * sla.waitMs * n * rate) / 1000;
}

/** The fewest n ≥ 0 with queue + (λ − n·μ)·T ≤ bound(n): linear in n, so solved, not searched. */
function fewest(queue: number, arrivals: number, rate: number, horizonS: number, sla: SlaBound, fraction: number): number {
  const perContainer = 'queueLength' in sla ? 0 : (fraction * sla.waitMs * rate) / 1000;
  const fixed = 'queueLength' in sla ? fraction * sla.queueLength : 0;
  const need = (queue + arrivals * horizonS - fixed) / (rate * horizonS + perContainer);
  return Math.max(0, Math.ceil(need - 1e-9));
}

function decideSla(input: ControllerInput, state: SlaState, sla: SlaBound, observation: Observation) {
  const { policy, current, dtS } = input;
  const running = input.running ?? current;
  const queue = Math.max(0, observation.value);
  const nowMs = observation.atMs;
  const measured = measuredArrivals(observation);
  const learned = learnRate(state, queue, measured, dtS, input.newlyRunningS ?? 0);
  const configured = policy.pid.ratePerContainer;
  const rate = configured ?? learned.learnedRate ?? (learned.rateFloor > 0 ? learned.rateFloor : undefined);
  const held = clampCount(state.lastDesired ?? current, policy.min, policy.max);
  const empty = queue <= EMPTY;
  const emptySinceMs = empty ? (state.emptySinceMs ?? nowMs) : null;
  if (rate === undefined) {
    return {
      desired: { kind: 'count' as const, count: held },
      state: { ...state, ...learned, lastQueue: queue, lastRunning: running, emptySinceMs, lastDesired: held },
      reason: `learning the rate per container: holding ${held} until the queue has been worked with arrivals measured`,
      estimates: { arrivalRate: measured ?? null, ratePerContainer: null, ratePerContainerLearned: true },
    };
  }

  // The arrivals: measured, or from the queue alone (sla-queue-only.ts).
  const tickS = dtS > 0 ? dtS : 0.5;
  const fromQueue = measured === undefined ? queueOnlyArrivals(state, queue, running, rate, dtS, empty) : null;
  const instant = measured ?? fromQueue?.instant ?? 0;
  let queueOnly = fromQueue?.state ?? state.queueOnly;
  const first = state.arrivals === null;
  const mean = first ? instant : ewma(state.arrivals ?? instant, instant, tickS, ARRIVALS_SMOOTHING_S);
  // Noise from successive differences, not from the spread around the mean: a step is one large
  // difference, not a long run of large deviations, so it does not hold containers for long after.
  const noise = first ? 0 : ewma(state.noise, Math.abs(instant - (state.lastInstant ?? instant)), tickS, ARRIVALS_SMOOTHING_S);
  const reaction = input.reaction ?? DEFAULT_REACTION;
  const leadS = reaction.preemptS + reaction.startS;
  const horizonS = leadS + tickS;
  const window = Math.max(2, Math.round(horizonS / tickS) + 1);
  const recent = pushWindow(state.recent, instant, window);
  const recentMeans = pushWindow(state.recentMeans, mean, window);
  // The level to plan with: the mean, plus the part of the latest deviation from it expected to last.
  const persisting = persistence(state, recent, recentMeans, window, instant, rate, tickS, first);
  const level = mean + persisting.fraction * (instant - mean);
  // Drift: how far the rate moves over a horizon beyond what tick-to-tick noise explains (a random
  // walk, per-minute jumps): the arrivals then stay up, and the queue takes it in for the whole period.
  const span = first || recent.length < 2 ? 0 : Math.abs(instant - (recent[0] ?? instant));
  const spread = first ? 0 : ewma(state.spread, span, tickS, DRIFT_SMOOTHING_S);
  const drift = Math.sqrt(Math.max(0, spread ** 2 - (noise * Math.sqrt(2)) ** 2));

  // Up: where the queue will be once a container asked for now is working.
  const working = running + 0.5 * (current - running);
  const atLead = Math.max(0, queue + (level - working * rate) * leadS + surge(leadS, noise, drift, tickS));
  const atHorizon = Math.max(0, atLead + (level - held * rate) * tickS);
  let count = held;
  let why = '';
  // The hold is a stop and a restart as this loop lives them: one it asks for at a tick is seen done a
  // tick later at the soonest, however quickly the engine did it (the latencies are measured to the
  // engine's own moment, finer than the tick; before session 5 they were rounded up to it).
  const throughLoopS = (latencyS: number): number => (latencyS > 0 ? Math.max(latencyS, tickS) : 0);
  const keepS = Math.max(horizonS, KEEP * (throughLoopS(reaction.startS) + throughLoopS(reaction.stopS) + throughLoopS(reaction.preemptS)));
  // A probe under way (sla-queue-only.ts) is judged by the queue: while it stays empty the arrivals are
  // under what remains, whatever the bound they were estimated at says.
  const probing = queueOnly.probe !== null && empty;
  if (!probing && Math.max(atLead, atHorizon) > bound(sla, held, rate, HIGH_WATER)) {
    // Back under the mark within the horizon when the SLA itself is at risk; otherwise within the time
    // the count will be held anyway, which asks for fewer containers than draining at once.
    const urgent = atLead > bound(sla, held, rate, URGENT);
    const up = fewest(atLead, level, rate, urgent ? horizonS : keepS, sla, HIGH_WATER);
    if (up > held) {
      count = up;
      why = `queue ${formatNumber(round(atLead))} expected in ${formatNumber(round(leadS))}s`;
    }
  }
  // Down: only as the queue runs dry, and only to a count that would hold for a while.
  const lastUpMs = count > held ? nowMs : state.lastUpMs;
  const dry = queue <= running * rate * tickS;
  const settled = lastUpMs === null || nowMs - lastUpMs >= keepS * 1000;
  const fell = instant < mean - STEP_DOWN * noise;
  // The hold after a rise keeps it from being undone by a dip that may be noise, or by one step of a
  // traffic that wanders (the next step may be up). A measured fall that stands out of both, STEP_DOWN
  // noise deviations and Z drifts (what the arrivals move over a horizon), is a burst's end: it does not
  // wait out the hold. From the queue alone it does: the slope reads low on the tick the queue runs dry.
  const ended = fell && measured !== undefined && mean - instant > Z * drift;
  // A stop frees a slot for another service's work; when none has any (input.slotWanted), holding is free.
  if (count === held && dry && (settled || ended) && input.slotWanted !== false) {
    // Without measured arrivals an empty queue hides how far they fell: a probe finds out (sla-queue-only.ts).
    const probe = measured === undefined && probeNow(queueOnly.probe, nowMs, emptySinceMs, keepS, reaction.stopS + tickS);
    const down = probe
      ? held - 1
      : fewest(queue + surge(keepS, noise, drift, tickS), fell ? level : Math.max(level, mean), rate, keepS, sla, HIGH_WATER * LOW_WATER);
    if (down < held) {
      count = down;
      if (probe) queueOnly = { ...queueOnly, probe: { atMs: nowMs } };
      why = probe
        ? `queue empty for ${Math.round((nowMs - (emptySinceMs ?? nowMs)) / 1000)}s: trying one fewer`
        : `${down} hold the queue for ${formatNumber(keepS)}s`;
    }
  }
  count = clampCount(count, policy.min, policy.max);
  if (queueOnly.probe !== null && count !== held && queueOnly.probe.atMs !== nowMs) queueOnly = { ...queueOnly, probe: null };
  // Written out in full, not spread: this runs for every service every tick.
  const next: SlaState = {
    arrivals: mean,
    noise,
    lastInstant: instant,
    recent,
    spread,
    recentMeans,
    lagProduct: persisting.lagProduct,
    lagSquare: persisting.lagSquare,
    lastQueue: queue,
    lastRunning: running,
    learnedRate: learned.learnedRate,
    rateFloor: learned.rateFloor,
    lastDesired: count,
    lastUpMs: count > held ? nowMs : state.lastUpMs,
    emptySinceMs: count < held ? null : emptySinceMs,
    queueOnly,
  };
  const estimates = {
    arrivalRate: mean,
    arrivalRateStdDev: noise,
    ratePerContainer: rate,
    ratePerContainerLearned: configured === undefined,
  };
  return new SlaDecision(count, next, estimates, sla, measured === undefined, reaction.startS, held, queue, why);
}

/**
 * One decision, its reason in words formatted only when read. The agent reads it to describe the tick
 * (/api/state, the decision log); the simulator never does. Formatting six numbers into a sentence
 * costs more than the decision itself: for 10,000 services it was about half of step()'s CPU time.
 */
export class SlaDecision {
  readonly desired: { readonly kind: 'count'; readonly count: number };
  /** What the reason is made of, apart from the state: the agent's tick history holds it until read. */
  readonly because: SlaReason;
  #reason: string | undefined;
  constructor(
    count: number,
    readonly state: SlaState,
    readonly estimates: SlaReason['estimates'],
    sla: SlaBound,
    fromQueue: boolean,
    startS: number,
    held: number,
    queue: number,
    why: string,
  ) {
    this.desired = { kind: 'count', count };
    this.because = new SlaReason(count, estimates, sla, fromQueue, startS, held, queue, why);
  }

  get reason(): string {
    return (this.#reason ??= this.because.format());
  }
}

export { SlaReason } from './sla-reason.js';
export { ARRIVALS_SMOOTHING_S, DRIFT_SMOOTHING_S, Z } from './sla-traffic.js';
