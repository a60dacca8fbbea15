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
import type { PidTuning } from '../types.js';
import type { Controller } from './types.js';
import { clampCount } from './types.js';
import { formatNumber } from './direct.js';

export interface PidState {
  readonly integral: number | null;
  readonly lastValue: number | null;
  readonly slope: number;
  /** Smoothed arrival-rate estimate (messages/s), when the per-container rate is known. */
  readonly arrivals: number | null;
  readonly lastDesired: number | null;
}

export interface ResolvedPidTuning {
  readonly kp: number;
  readonly ki: number;
  readonly kd: number;
  readonly deadband: number;
  readonly maxStepUp: number;
  readonly maxStepDown: number;
  readonly ratePerContainer: number | undefined;
}

/** Seconds over which an excess backlog should be cleared when the per-container rate is known. */
const CLEAR_BACKLOG_S = 4;
/** Seconds of smoothing on the queue's slope. */
const SLOPE_SMOOTHING_S = 1.5;

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
  };
}

export const pidController: Controller<PidState> = {
  kind: 'pid',
  initialState: () => ({ integral: null, lastValue: null, slope: 0, arrivals: null, lastDesired: null }),
  decide({ policy, observation, current, running, dtS }, state) {
    const { target } = policy;
    if (target.kind !== 'queueLength') throw new Error(`pid controller needs a queueLength target, got ${target.kind}`);
    if (!observation) return { desired: { kind: 'count', count: current }, state, reason: 'no metric yet' };

    const tuning = resolvePidTuning(policy.pid, target.queueLength);
    const queue = observation.value;
    const rawError = queue - target.queueLength;
    const error = Math.abs(rawError) <= tuning.deadband ? 0 : rawError;

    const instantSlope = state.lastValue === null || dtS <= 0 ? 0 : (queue - state.lastValue) / dtS;
    const alpha = dtS <= 0 ? 1 : Math.min(1, dtS / SLOPE_SMOOTHING_S);
    const slope = state.lastValue === null ? 0 : state.slope + alpha * (instantSlope - state.slope);

    const rate = tuning.ratePerContainer;
    // Smooth the arrival estimate itself, not the slope: a smoothed slope lags behind a draining queue
    // and would make the controller undershoot once the backlog is gone.
    const instantArrivals = rate ? Math.max(0, instantSlope + (running ?? current) * rate) : 0;
    const arrivals = state.arrivals === null || state.lastValue === null ? instantArrivals : state.arrivals + alpha * (instantArrivals - state.arrivals);
    const feedForward = rate ? arrivals / rate : 0;
    const derivative = rate ? 0 : tuning.kd * slope; // with a known rate the slope is in the feed-forward
    let integral = state.integral ?? (rate ? 0 : current);

    const unsaturated = feedForward + tuning.kp * error + integral + derivative;
    const starved = state.lastDesired !== null && state.lastDesired > current; // the pool did not grant it
    const pushingUp = error > 0 && (unsaturated >= policy.max || starved);
    const pushingDown = error < 0 && unsaturated <= policy.min;
    if (!pushingUp && !pushingDown) integral += tuning.ki * error * dtS;
    integral = Math.max(-policy.max, Math.min(policy.max, integral));

    const output = feedForward + tuning.kp * error + integral + derivative;
    const stepped = Math.min(current + tuning.maxStepUp, Math.max(current - tuning.maxStepDown, Math.round(output)));
    const count = clampCount(stepped, policy.min, policy.max);
    const comparison = error === 0 ? '≈' : rawError > 0 ? '>' : '<';
    return {
      desired: { kind: 'count', count },
      state: { integral, lastValue: queue, slope, arrivals: rate ? arrivals : null, lastDesired: count },
      reason: `queue ${formatNumber(queue)} ${comparison} target ${target.queueLength}`,
    };
  },
};
