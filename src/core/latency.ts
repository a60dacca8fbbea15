// Start and stop latency, measured per service from what the engine reports (request → running,
// request → gone). Pure: fed the engine's state each tick with the time it was read.
//
// A rise in the live count (running + starting) between two reads is a start asked for at the first
// of them; it is done when the engine no longer counts it as starting (oldest first). A fall is a stop
// asked for then; it is done when the engine no longer counts it as stopping. When it is done: the
// moments the engine says its containers became running (or were gone), where it records them
// (ActualState.runningAtMs / goneAtMs: the latest ones since the previous read, oldest request with
// oldest moment), else the read that saw it, which is late by up to a tick (and an engine that never
// reports `starting` or `stopping` then gives one tick). A moment at or before the previous read is an
// older container's or a clock behind ours: not used (the read instead); one after this read is a clock
// ahead of ours or a state read a moment after `atMs`: clamped to this read. So a skewed clock gives
// at worst the tick-resolution figure, never a negative or a longer one.
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
  readonly start: LatencyEstimate | null;
  readonly stop: LatencyEstimate | null;
}

export const INITIAL_LATENCY: LatencyState = { lastAtMs: null, lastLive: 0, pendingStarts: [], pendingStops: [], start: null, stop: null };

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

/**
 * When the `count` requests settling at this read finished, oldest first: the latest `count` of the
 * engine's moments after the previous read (clamped to this read), and this read for any it has no
 * moment for (see the top).
 */
export function doneAtMs(moments: readonly number[] | undefined, count: number, previousReadMs: number, atMs: number): number[] {
  const inWindow = (moments ?? [])
    .filter((ms) => ms > previousReadMs && !Number.isNaN(ms))
    .map((ms) => Math.min(ms, atMs))
    .sort((a, b) => a - b)
    .slice(-count);
  while (inWindow.length < count) inWindow.push(atMs);
  return inWindow;
}

function settle(
  pending: number[],
  inFlight: number,
  moments: readonly number[] | undefined,
  previousReadMs: number,
  atMs: number,
  estimate: LatencyEstimate | null,
): LatencyEstimate | null {
  const settling = pending.length - Math.max(0, inFlight);
  if (settling <= 0) return estimate;
  let next = estimate;
  for (const doneMs of doneAtMs(moments, settling, previousReadMs, atMs))
    next = learn(next, Math.max(0, doneMs - (pending.shift() ?? doneMs)) / 1000);
  return next;
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
      start: state.start,
      stop: state.stop,
    };
  const pendingStarts = [...state.pendingStarts];
  const pendingStops = [...state.pendingStops];
  for (let i = 0; i < change && pendingStarts.length < MAX_PENDING; i++) pendingStarts.push(state.lastAtMs);
  for (let i = 0; i < -change && pendingStops.length < MAX_PENDING; i++) pendingStops.push(state.lastAtMs);
  const start = settle(pendingStarts, actual.starting, actual.runningAtMs, state.lastAtMs, atMs, state.start);
  const stop = settle(pendingStops, actual.stopping, actual.goneAtMs, state.lastAtMs, atMs, state.stop);
  return { lastAtMs: atMs, lastLive: live, pendingStarts, pendingStops, start, stop };
}

/** A cautious figure for planning: the mean plus its deviation. */
export function plannedS(estimate: LatencyEstimate | null, fallbackS: number): number {
  return estimate ? estimate.meanS + estimate.deviationS : fallbackS;
}
