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
// - Down, only when it pays: as the queue is about to run dry, and to a count that would hold for a
//   while (sla-down.ts).
// Between the two marks the count does not move: the queue is the buffer, so whole containers do not
// chatter around a fractional need, and containers run busy rather than idle.
// The rate per container is `controller.ratePerContainer` when set, else learnt from the queue's drain
// and the measured arrivals (work done ÷ running container-seconds, on ticks the queue never ran dry).
// Constants: tuned on many trace shapes (bursts, flash crowds, noisy waves, on/off, NASA per second
// and compressed per minute) at several seeds; docs/simulator.md has the figures.
import type { Observation, SlaBound } from '../types.js';
import { formatNumber } from './direct.js';
import { QUEUE_ONLY_INITIAL, queueOnlyArrivals, type QueueOnlyState } from './sla-queue-only.js';
import { comeDown, fewest, holdS, type SlaTick } from './sla-down.js';
import { EMPTY, learnRate, type LearntRate } from './sla-rate.js';
import { SlaReason, round } from './sla-reason.js';
import { readTraffic, surge, type TrafficState } from './sla-traffic.js';
import { CADENCE_INITIAL, readCadence, readyForRise, type CadenceState } from './sla-cadence.js';
import type { Controller, ControllerInput, Reaction } from './types.js';
import { clampCount } from './types.js';

/** The traffic reading's state (sla-traffic.ts), the learnt rate (sla-rate.ts), and what this file keeps. */
export interface SlaState extends TrafficState, LearntRate {
  readonly lastQueue: number | null;
  readonly lastRunning: number;
  readonly lastDesired: number | null;
  /** When the count last went up (ms), and since when the queue has been empty (ms). */
  readonly lastUpMs: number | null;
  readonly emptySinceMs: number | null;
  /** Without measured arrivals: what the queue alone has measured (sla-queue-only.ts). */
  readonly queueOnly: QueueOnlyState;
  /** The rises' cadence, when they come at regular moments (sla-cadence.ts). */
  readonly cadence: CadenceState;
}

/** The queue may rise to this fraction of the SLA before containers are added. */
export const HIGH_WATER = 0.4;
/** Above this fraction of the SLA, the queue is brought back under the high-water mark within the horizon, not over KEEP. */
export const URGENT = 0.7;
/** Until measured (core/latency.ts): Docker-like latencies. */
export const DEFAULT_REACTION: Reaction = { startS: 2, stopS: 1, preemptS: 1 };

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
    cadence: CADENCE_INITIAL,
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

/** The most the queue may hold with n containers, at `fraction` of the SLA. */
function bound(sla: SlaBound, n: number, rate: number, fraction: number): number {
  return 'queueLength' in sla ? fraction * sla.queueLength : (fraction * sla.waitMs * n * rate) / 1000;
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
  const reaction = input.reaction ?? DEFAULT_REACTION;
  const leadS = reaction.preemptS + reaction.startS;
  const horizonS = leadS + tickS;
  const traffic = readTraffic(state, instant, rate, tickS, horizonS);
  // A rise expected at the traffic's cadence is planned for from a reaction time before it (measured arrivals only).
  const cadence =
    measured === undefined ? null : readCadence(state.cadence, instant, state.lastInstant, state.noise, rate, nowMs, tickS, leadS);
  // As much of it as persists, as a rise read now is planned (a burst gone within the horizon: the queue takes it).
  const expected = cadence?.rise ?? null;
  const rise = expected === null || !(traffic.persisting > 0) ? null : { ...expected, size: expected.size * traffic.persisting };
  const keepS = holdS(reaction, horizonS, tickS);
  const tick: SlaTick = {
    sla,
    held,
    queue,
    running,
    rate,
    tickS,
    nowMs,
    keepS,
    lastUpMs: state.lastUpMs,
    emptySinceMs,
    instant,
    traffic,
    measured,
    queueOnly,
    stopS: reaction.stopS,
    highWater: HIGH_WATER,
    slotWanted: input.slotWanted,
    rise,
  };
  const up = readyForRise(tick, scaleUp(tick, current, leadS, horizonS, queueOnly.probe !== null && empty));
  let count = up?.count ?? held;
  let why = up?.why ?? '';
  const down = comeDown(tick, count);
  if (down !== null) ({ count, why, queueOnly } = down);
  count = clampCount(count, policy.min, policy.max);
  if (queueOnly.probe !== null && count !== held && queueOnly.probe.atMs !== nowMs) queueOnly = { ...queueOnly, probe: null };
  const next = remember(tick, learned, count, queueOnly, cadence?.state ?? state.cadence, rise !== null);
  const estimates = {
    arrivalRate: traffic.mean,
    arrivalRateStdDev: traffic.noise,
    ratePerContainer: rate,
    ratePerContainerLearned: configured === undefined,
    risePeriodS: cadence?.periodMs == null ? null : cadence.periodMs / 1000,
  };
  return new SlaDecision(count, next, estimates, sla, measured === undefined, reaction.startS, held, queue, why);
}

/**
 * The state this tick leaves. Written out in full, not spread: this runs for every service every tick.
 * A rise asked for ahead of the cadence (`anticipating`) does not start the hold after a rise: once the
 * moment has passed, what it added comes down as soon as the queue runs dry.
 */
function remember(
  tick: SlaTick,
  learned: LearntRate,
  count: number,
  queueOnly: QueueOnlyState,
  cadence: CadenceState,
  anticipating: boolean,
): SlaState {
  const { traffic, held, nowMs } = tick;
  return {
    arrivals: traffic.mean,
    noise: traffic.noise,
    lastInstant: tick.instant,
    recent: traffic.recent,
    spread: traffic.spread,
    recentMeans: traffic.recentMeans,
    lagProduct: traffic.lagProduct,
    lagSquare: traffic.lagSquare,
    lastQueue: tick.queue,
    lastRunning: tick.running,
    learnedRate: learned.learnedRate,
    rateFloor: learned.rateFloor,
    lastDesired: count,
    lastUpMs: count > held && !anticipating ? nowMs : tick.lastUpMs,
    emptySinceMs: count < held ? null : tick.emptySinceMs,
    queueOnly,
    cadence,
  };
}

/**
 * Up: where the queue will be once a container asked for now is working, and a tick later; null when
 * that stays under the high-water mark. A probe under way (`probing`, sla-queue-only.ts) is judged by
 * the queue: while it stays empty the arrivals are under what remains, whatever the bound they were
 * estimated at says.
 */
function scaleUp(tick: SlaTick, current: number, leadS: number, horizonS: number, probing: boolean): { count: number; why: string } | null {
  const { sla, held, rate, traffic } = tick;
  const { level } = traffic;
  const working = tick.running + 0.5 * (current - tick.running);
  const atLead = Math.max(0, tick.queue + (level - working * rate) * leadS + surge(leadS, traffic.noise, traffic.drift, tick.tickS));
  const atHorizon = Math.max(0, atLead + (level - held * rate) * tick.tickS);
  // Negated, not inverted: a NaN estimate asks for nothing, as it always did.
  if (probing || !(Math.max(atLead, atHorizon) > bound(sla, held, rate, HIGH_WATER))) return null;
  // Back under the mark within the horizon when the SLA itself is at risk; otherwise within the time
  // the count will be held anyway, which asks for fewer containers than draining at once.
  const urgent = atLead > bound(sla, held, rate, URGENT);
  const up = fewest(atLead, level, rate, urgent ? horizonS : tick.keepS, sla, HIGH_WATER);
  if (!(up > held)) return null;
  return { count: up, why: `queue ${formatNumber(round(atLead))} expected in ${formatNumber(round(leadS))}s` };
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
