// `pid`: hold a queue near its target length.
//
// Position-form PID on the backlog error e = queue − target (messages → containers):
//   u = feedForward + kp·e + I + kd·slope
// - derivative on the measurement (the queue's slope, smoothed), so a target change causes no kick;
// - when `ratePerContainer` is known, feed-forward from the arrival-rate estimate
//   (slope + running·rate) / rate (only running containers work off the queue), so a rising queue is met before the backlog builds;
//   without it, the integral starts at the current count (bumpless) and carries the steady state;
// - anti-windup: conditional integration (no integrating further into saturation, nor upward while
//   the pool has not granted the last increase) and the integral clamped to [−max, max];
// - a deadband around the target and a step limit per tick keep it from chattering.
// With the rate known, the count is ceil(arrivals / rate) plus what clears the excess backlog, and
// a queue below its target never pushes the count down by itself: with whole containers, holding a
// queue exactly at its target means toggling n ↔ n+1 for ever (a limit cycle: churn for nothing).
// An empty queue says only "the containers keep up", not by how much, so going down from there is
// a probe: one container fewer, after the queue has stayed empty for a hold time that doubles each
// time a probe has to be taken back and halves when one sticks (see probeDown).
// With a measured arrival rate (`arrivals:`, Observation.arrivalRate) there is nothing to probe: the
// count follows the arrivals up at once and comes down only after they have stayed below it for
// `scaleDownDelay`, to the most they needed over that time (see holdDown). Coming down and going
// back up costs a slot a stop and a start of idle time twice over, and a lull shorter than a few
// of those is cheaper to sit through; a longer delay trades pool use for fewer starts.
import type { Observation, PidTuning } from '../types.js';
import type { Controller, ControllerInput } from './types.js';
import { clampCount } from './types.js';
import { formatNumber } from './direct.js';

export interface PidState {
  readonly integral: number | null;
  readonly lastValue: number | null;
  readonly slope: number;
  /** Smoothed arrival-rate estimate (messages/s), when the per-container rate is known. */
  readonly arrivals: number | null;
  readonly lastDesired: number | null;
  /** Rate-known mode: when the queue was last not empty (ms), the probe hold (s), when the last probe was made (ms). */
  readonly busySinceMs?: number | undefined;
  readonly probeHoldS?: number | undefined;
  readonly lastProbeMs?: number | null | undefined;
  /** With measured arrivals: since when they have needed fewer than the current count (ms), and the most they needed since. */
  readonly lowSinceMs?: number | null | undefined;
  readonly lowPeak?: number | undefined;
}

export interface ResolvedPidTuning {
  readonly kp: number;
  readonly ki: number;
  readonly kd: number;
  readonly deadband: number;
  readonly maxStepUp: number;
  readonly maxStepDown: number;
  readonly ratePerContainer: number | undefined;
  readonly scaleDownDelayMs: number;
}

/** Seconds over which an excess backlog should be cleared when the per-container rate is known. */
const CLEAR_BACKLOG_S = 4;
/** Seconds of smoothing on the queue's slope. */
const SLOPE_SMOOTHING_S = 1.5;
/** A queue at or under this many messages counts as empty (the containers keep up). */
const EMPTY_QUEUE = 0.5;
/** Probe holds: the first, the shortest (after probes that stuck), the longest (after probes taken back). */
const PROBE_HOLD_START_S = 30;
const PROBE_HOLD_MIN_S = 5;
const PROBE_HOLD_MAX_S = 600;
/** How long after a probe a rise counts as taking it back (a start latency plus detection, with room). */
const PROBE_VERDICT_S = 10;
/** With measured arrivals, the default scaleDownDelay (see holdDown; the figures are in docs/simulator.md). */
export const DEFAULT_SCALE_DOWN_DELAY_MS = 30_000;

export function resolvePidTuning(tuning: PidTuning, targetQueueLength: number): ResolvedPidTuning {
  const rate = tuning.ratePerContainer;
  const kp = tuning.kp ?? (rate ? 1 / (rate * CLEAR_BACKLOG_S) : 1 / Math.max(targetQueueLength, 10));
  return {
    kp,
    ki: tuning.ki ?? kp / 10,
    kd: tuning.kd ?? (rate ? 1 / rate : 0),
    deadband: tuning.deadband ?? Math.max(1, targetQueueLength * 0.1),
    maxStepUp: tuning.maxStepUp ?? Number.POSITIVE_INFINITY,
    maxStepDown: tuning.maxStepDown ?? 1,
    ratePerContainer: rate,
    scaleDownDelayMs: tuning.scaleDownDelayMs ?? DEFAULT_SCALE_DOWN_DELAY_MS,
  };
}

export const pidController: Controller<PidState> = {
  kind: 'pid',
  initialState: () => ({ integral: null, lastValue: null, slope: 0, arrivals: null, lastDesired: null }),
  decide(input, state) {
    const { policy, observation, current } = input;
    const { target } = policy;
    if (target.kind !== 'queueLength') throw new Error(`pid controller needs a queueLength target, got ${target.kind}`);
    if (!observation) return { desired: { kind: 'count', count: current }, state, reason: 'no metric yet' };
    const tuning = resolvePidTuning(policy.pid, target.queueLength);
    const decided = tuning.ratePerContainer
      ? decideWithRate(input, state, tuning, tuning.ratePerContainer, observation)
      : decideWithoutRate(input, state, tuning, observation);
    const rawError = observation.value - target.queueLength;
    const comparison = Math.abs(rawError) <= tuning.deadband ? '≈' : rawError > 0 ? '>' : '<';
    return {
      desired: { kind: 'count', count: decided.count },
      state: decided.state,
      reason: `queue ${formatNumber(observation.value)} ${comparison} target ${target.queueLength}${decided.note}`,
    };
  },
};

/** Containers for a fractional need: a twentieth of a container is noise (a fading integral, smoothing), not a reason to start one. */
function wholeContainers(need: number): number {
  return Math.ceil(need - 0.05);
}

interface Decided {
  readonly count: number;
  readonly state: PidState;
  readonly note: string;
}

function smoothing(dtS: number): number {
  return dtS <= 0 ? 1 : Math.min(1, dtS / SLOPE_SMOOTHING_S);
}

function limitStep(output: number, current: number, tuning: ResolvedPidTuning, min: number, max: number): number {
  return clampCount(Math.min(current + tuning.maxStepUp, Math.max(current - tuning.maxStepDown, output)), min, max);
}

/** Without a known rate: PID on the backlog, the integral carrying the steady state. */
function decideWithoutRate(
  { policy, current, dtS }: ControllerInput,
  state: PidState,
  tuning: ResolvedPidTuning,
  observation: Observation,
): Decided {
  const queue = observation.value;
  const rawError = queue - (policy.target.kind === 'queueLength' ? policy.target.queueLength : 0);
  const error = Math.abs(rawError) <= tuning.deadband ? 0 : rawError;
  const instantSlope = state.lastValue === null || dtS <= 0 ? 0 : (queue - state.lastValue) / dtS;
  const slope = state.lastValue === null ? 0 : state.slope + smoothing(dtS) * (instantSlope - state.slope);
  const derivative = tuning.kd * slope;
  let integral = state.integral ?? current;
  const unsaturated = tuning.kp * error + integral + derivative;
  const starved = state.lastDesired !== null && state.lastDesired > current; // the pool did not grant it
  const pushingUp = error > 0 && (unsaturated >= policy.max || starved);
  const pushingDown = error < 0 && unsaturated <= policy.min;
  if (!pushingUp && !pushingDown) integral += tuning.ki * error * dtS;
  integral = Math.max(-policy.max, Math.min(policy.max, integral));
  const count = limitStep(Math.round(tuning.kp * error + integral + derivative), current, tuning, policy.min, policy.max);
  return { count, state: { integral, lastValue: queue, slope, arrivals: null, lastDesired: count }, note: '' };
}

/** With the per-container rate known: feed-forward from the arrival estimate, probing down from an empty queue. */
function decideWithRate(
  { policy, current, running, dtS }: ControllerInput,
  state: PidState,
  tuning: ResolvedPidTuning,
  rate: number,
  observation: Observation,
): Decided {
  const queue = observation.value;
  const nowMs = observation.atMs;
  const targetLength = policy.target.kind === 'queueLength' ? policy.target.queueLength : 0;
  const excess = Math.max(0, queue - targetLength - tuning.deadband);
  const instantSlope = state.lastValue === null || dtS <= 0 ? 0 : (queue - state.lastValue) / dtS;
  const alpha = smoothing(dtS);
  const slope = state.lastValue === null ? 0 : state.slope + alpha * (instantSlope - state.slope);
  // Smooth the arrival estimate itself, not the slope: a smoothed slope lags behind a draining queue
  // and would make the controller undershoot once the backlog is gone.
  const instantArrivals = Math.max(0, instantSlope + (running ?? current) * rate);
  const measured =
    observation.arrivalRate !== undefined && Number.isFinite(observation.arrivalRate) ? Math.max(0, observation.arrivalRate) : undefined;
  const estimated =
    state.arrivals === null || state.lastValue === null ? instantArrivals : state.arrivals + alpha * (instantArrivals - state.arrivals);
  const arrivals = measured ?? estimated;
  // The integral corrects a rate set too high (a backlog that feed-forward does not clear) and fades
  // while there is none, so it does not hold containers for long. It also remembers a recent burst:
  // after one, the count comes down over ~10 s rather than at once, which on noisy real traffic (NASA
  // per-second) halves the seconds over the SLA for ~2 % of use.
  const previous = state.integral ?? 0;
  const integral = excess > 0 ? Math.min(policy.max, previous + tuning.ki * excess * dtS) : previous * Math.exp(-dtS / 10);
  const needed = wholeContainers(arrivals / rate + tuning.kp * excess + integral);

  const empty = queue <= EMPTY_QUEUE;
  const busySinceMs = empty ? (state.busySinceMs ?? nowMs) : nowMs;
  const probe =
    measured === undefined
      ? probeDown(state, { empty, backlog: excess > 0, needed, current, min: policy.min, nowMs, busySinceMs })
      : holdDown(state, needed, current, nowMs, tuning.scaleDownDelayMs);
  // After a hold the count goes straight to what the arrivals needed, not one container per tick.
  const stepTuning =
    measured !== undefined && policy.pid.maxStepDown === undefined ? { ...tuning, maxStepDown: Number.POSITIVE_INFINITY } : tuning;
  const count = limitStep(probe.output, current, stepTuning, policy.min, policy.max);
  return {
    count,
    state: {
      integral,
      lastValue: queue,
      slope,
      arrivals,
      lastDesired: count,
      ...probe.state,
      busySinceMs: probe.probed ? nowMs : busySinceMs,
    },
    note:
      measured === undefined
        ? probe.note
        : `; arrivals ${formatNumber(measured)}/s need ${Math.max(0, wholeContainers(measured / rate))}${probe.note}`,
  };
}

interface ProbeInput {
  readonly empty: boolean;
  /** The queue is over its target: the load moved. */
  readonly backlog: boolean;
  readonly needed: number;
  readonly current: number;
  readonly min: number;
  readonly nowMs: number;
  readonly busySinceMs: number;
}

/**
 * Going down blind, one container at a time. A rise soon after a probe takes it back: the next waits
 * twice as long. A probe made after the queue stayed empty for a whole hold since the last one means
 * that one stuck: the next comes after half the hold (a drop in demand is found in a few probes).
 */
function probeDown(state: PidState, input: ProbeInput): { output: number; state: Partial<PidState>; probed: boolean; note: string } {
  const { empty, backlog, needed, current, min, nowMs, busySinceMs } = input;
  let holdS = state.probeHoldS ?? PROBE_HOLD_START_S;
  let lastProbeMs = state.lastProbeMs ?? null;
  const sinceProbeMs = lastProbeMs === null ? Infinity : nowMs - lastProbeMs;
  if (!empty && needed > current && sinceProbeMs <= PROBE_VERDICT_S * 1000) {
    holdS = Math.min(PROBE_HOLD_MAX_S, holdS * 2);
    lastProbeMs = null;
  } else if (backlog && sinceProbeMs > PROBE_VERDICT_S * 1000) {
    // A backlog a probe did not cause: the load moved, and what the probes learnt no longer holds.
    holdS = PROBE_HOLD_START_S;
    lastProbeMs = null;
  }
  const keep = { probeHoldS: holdS, lastProbeMs };
  if (!empty || needed < current) return { output: needed, state: keep, probed: false, note: '' };
  if (nowMs - busySinceMs < holdS * 1000 || current <= min) return { output: current, state: keep, probed: false, note: '' };
  if (lastProbeMs !== null) holdS = Math.max(PROBE_HOLD_MIN_S, holdS / 2);
  return {
    output: current - 1,
    state: { probeHoldS: holdS, lastProbeMs: nowMs },
    probed: true,
    note: `; queue empty for ${Math.round((nowMs - busySinceMs) / 1000)}s: trying one fewer`,
  };
}

/**
 * Coming down with the arrivals measured: the count follows them up at once; down only once they have
 * needed fewer containers for a whole delay, and then to the most they needed during it.
 */
function holdDown(
  state: PidState,
  needed: number,
  current: number,
  nowMs: number,
  delayMs: number,
): { output: number; state: Partial<PidState>; probed: boolean; note: string } {
  if (needed >= current) return { output: needed, state: { lowSinceMs: null }, probed: false, note: '' };
  const lowSinceMs = state.lowSinceMs ?? nowMs;
  const lowPeak = state.lowSinceMs == null ? needed : Math.max(state.lowPeak ?? needed, needed);
  if (nowMs - lowSinceMs < delayMs) return { output: current, state: { lowSinceMs, lowPeak }, probed: false, note: '' };
  return {
    output: lowPeak,
    state: { lowSinceMs: nowMs, lowPeak: needed },
    probed: false,
    note: `; arrivals needed at most ${lowPeak} for ${Math.round((nowMs - lowSinceMs) / 1000)}s`,
  };
}
