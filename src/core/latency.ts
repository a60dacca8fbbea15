// Start and stop latency, measured per service from what the engine reports (request → running,
// request → gone). Pure: fed the engine's state each tick with the time it was read.
//
// A rise in the live count (running + starting) between two reads is a start asked for at the first
// of them; it is done when the engine no longer counts it as starting (oldest first). A fall is a stop
// asked for then; it is done when the engine no longer counts it as stopping. When it is done: the
// moments the engine says its containers became running (or were gone), where it records them
// (ActualState.runningAtMs / goneAtMs), else the read that saw it, which is late by up to a tick (and an
// engine that never reports `starting` or `stopping` then gives one tick). The moments taken are the
// latest ones after the last moment already used for that kind, since engines keep reporting moments
// they reported before (every running Swarm task's and ready pod's, the sim's of the last minute, the
// last 64 Docker events and Kubernetes deletions), oldest request with oldest moment. A moment at or
// before its request's own time is an older container's or a clock behind ours: not used (the read
// instead). One between the request and the previous read is used: an engine may count a container as
// running a read after its own moment (a Swarm task running 1.9 s after the request by its timestamp
// was still listed as starting at the read 2 s after it). One after this read is a clock ahead of ours
// or a state read a moment after `atMs`: clamped to this read. So a skewed clock gives at worst the
// tick-resolution figure, never a negative or a longer one.
import type { ActualState } from './types.js';

export interface LatencyEstimate {
  /** Smoothed mean (s) and mean absolute deviation (s). */
  readonly meanS: number;
  readonly deviationS: number;
  readonly samples: number;
}

export interface LatencyState {
  readonly lastAtMs: number | null;
  readonly lastLive: number;
  /** When the starts and stops still in flight were asked for (ms), oldest first. */
  readonly pendingStarts: readonly number[];
  readonly pendingStops: readonly number[];
  /** The latest engine moment a settled start (stop) was timed to (ms; -Infinity before any): never used again. */
  readonly startMomentUsedMs: number;
  readonly stopMomentUsedMs: number;
  readonly start: LatencyEstimate | null;
  readonly stop: LatencyEstimate | null;
}

export const INITIAL_LATENCY: LatencyState = {
  lastAtMs: null,
  lastLive: 0,
  pendingStarts: [],
  pendingStops: [],
  startMomentUsedMs: Number.NEGATIVE_INFINITY,
  stopMomentUsedMs: Number.NEGATIVE_INFINITY,
  start: null,
  stop: null,
};

/** Weight of a new sample: recent behaviour matters (an image pulled once starts faster afterwards). */
const LEARNING = 0.2;
/** Never track more requests in flight than this (a restarted engine may report nonsense). */
const MAX_PENDING = 1000;

function learn(estimate: LatencyEstimate | null, sampleS: number): LatencyEstimate {
  if (!estimate) return { meanS: sampleS, deviationS: 0, samples: 1 };
  const meanS = estimate.meanS + LEARNING * (sampleS - estimate.meanS);
  return {
    meanS,
    deviationS: estimate.deviationS + LEARNING * (Math.abs(sampleS - estimate.meanS) - estimate.deviationS),
    samples: estimate.samples + 1,
  };
}

export interface Settled {
  /** When each request finished (ms), in the order of `requestedMs`. */
  readonly doneMs: number[];
  /** The latest engine moment among those used (`usedMs` when none was). */
  readonly usedMs: number;
}

/**
 * When the requests settling at this read (asked for at `requestedMs`, oldest first) finished: the
 * latest of the engine's moments after `usedMs` (the last one already used), oldest request with oldest
 * moment, clamped to this read; this read for a request with no moment or one not after its own time
 * (see the top).
 */
export function doneAtMs(moments: readonly number[] | undefined, requestedMs: readonly number[], usedMs: number, atMs: number): Settled {
  const oldestMs = requestedMs[0] ?? atMs;
  const candidates = (moments ?? [])
    .filter((ms) => Number.isFinite(ms) && ms > usedMs && ms > oldestMs)
    .sort((a, b) => a - b)
    .slice(-requestedMs.length);
  let latestUsedMs = usedMs;
  const doneMs = requestedMs.map((requested, i) => {
    const moment = candidates[i];
    if (moment === undefined || moment <= requested) return atMs;
    latestUsedMs = Math.max(latestUsedMs, moment);
    return Math.min(moment, atMs);
  });
  return { doneMs, usedMs: latestUsedMs };
}

interface Learnt {
  readonly estimate: LatencyEstimate | null;
  readonly momentUsedMs: number;
}

/** Settles the oldest `pending` requests the engine no longer counts in flight (removing them) and learns from each. */
function settle(
  pending: number[],
  inFlight: number,
  moments: readonly number[] | undefined,
  momentUsedMs: number,
  atMs: number,
  estimate: LatencyEstimate | null,
): Learnt {
  const settling = pending.length - Math.max(0, inFlight);
  if (settling <= 0) return { estimate, momentUsedMs };
  const requestedMs = pending.splice(0, settling);
  const settled = doneAtMs(moments, requestedMs, momentUsedMs, atMs);
  let next = estimate;
  settled.doneMs.forEach((doneMs, i) => {
    next = learn(next, Math.max(0, doneMs - (requestedMs[i] ?? doneMs)) / 1000);
  });
  return { estimate: next, momentUsedMs: settled.usedMs };
}

export function observeLatency(state: LatencyState, actual: ActualState, atMs: number): LatencyState {
  const live = actual.running + actual.starting;
  if (state.lastAtMs === null || atMs < state.lastAtMs)
    // Literals with every field, not spreads: one object shape, its fields in the object (this runs for
    // every service every tick).
    return {
      lastAtMs: atMs,
      lastLive: live,
      pendingStarts: INITIAL_LATENCY.pendingStarts,
      pendingStops: INITIAL_LATENCY.pendingStops,
      startMomentUsedMs: state.startMomentUsedMs,
      stopMomentUsedMs: state.stopMomentUsedMs,
      start: state.start,
      stop: state.stop,
    };
  const change = live - state.lastLive;
  // Nothing asked for and nothing finished: keep the arrays (10,000 services tick this every interval).
  if (change === 0 && state.pendingStarts.length <= actual.starting && state.pendingStops.length <= actual.stopping)
    return {
      lastAtMs: atMs,
      lastLive: state.lastLive,
      pendingStarts: state.pendingStarts,
      pendingStops: state.pendingStops,
      startMomentUsedMs: state.startMomentUsedMs,
      stopMomentUsedMs: state.stopMomentUsedMs,
      start: state.start,
      stop: state.stop,
    };
  const pendingStarts = [...state.pendingStarts];
  const pendingStops = [...state.pendingStops];
  for (let i = 0; i < change && pendingStarts.length < MAX_PENDING; i++) pendingStarts.push(state.lastAtMs);
  for (let i = 0; i < -change && pendingStops.length < MAX_PENDING; i++) pendingStops.push(state.lastAtMs);
  const start = settle(pendingStarts, actual.starting, actual.runningAtMs, state.startMomentUsedMs, atMs, state.start);
  const stop = settle(pendingStops, actual.stopping, actual.goneAtMs, state.stopMomentUsedMs, atMs, state.stop);
  return {
    lastAtMs: atMs,
    lastLive: live,
    pendingStarts,
    pendingStops,
    startMomentUsedMs: start.momentUsedMs,
    stopMomentUsedMs: stop.momentUsedMs,
    start: start.estimate,
    stop: stop.estimate,
  };
}

/** A cautious figure for planning: the mean plus its deviation. */
export function plannedS(estimate: LatencyEstimate | null, fallbackS: number): number {
  return estimate ? estimate.meanS + estimate.deviationS : fallbackS;
}
