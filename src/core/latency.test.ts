import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SimCluster } from '../engines/sim/cluster.js';
import type { ActualState } from './types.js';
import { doneAtMs, INITIAL_LATENCY, observeLatency, type LatencyState } from './latency.js';

describe('start and stop latency, measured from the engine state', () => {
  it('learns the sim engine latencies within a tick (1 s start, 500 ms stop, 250 ms ticks)', () => {
    const cluster = new SimCluster(() => ({ startLatencyMs: 1000, stopLatencyMs: 500 }));
    let state: LatencyState = INITIAL_LATENCY;
    // Up to 4, down to 1, a few times; the engine is read every 250 ms and told the target then.
    const targets = [4, 4, 4, 4, 4, 4, 4, 4, 1, 1, 1, 1, 1, 1, 1, 1];
    for (let round = 0; round < 3; round++) {
      targets.forEach((target, i) => {
        const atMs = (round * targets.length + i) * 250;
        state = observeLatency(state, cluster.state('svc', atMs), atMs);
        cluster.scaleTo('svc', target, atMs);
      });
    }
    assert.ok(state.start && Math.abs(state.start.meanS - 1) <= 0.25, `start ${state.start?.meanS}`);
    assert.ok(state.stop && Math.abs(state.stop.meanS - 0.5) <= 0.25, `stop ${state.stop?.meanS}`);
  });

  /** Up to 4 and down to 1, three times, reading a 1 s start / 500 ms stop cluster every `tickMs`. */
  function learnAt(tickMs: number, shown: (state: ActualState) => ActualState): LatencyState {
    const cluster = new SimCluster(() => ({ startLatencyMs: 1000, stopLatencyMs: 500 }));
    let state: LatencyState = INITIAL_LATENCY;
    const targets = [4, 4, 4, 1, 1, 1];
    for (let round = 0; round < 3; round++) {
      targets.forEach((target, i) => {
        const atMs = 1_700_000_000_000 + (round * targets.length + i) * tickMs;
        state = observeLatency(state, shown(cluster.state('svc', atMs)), atMs);
        cluster.scaleTo('svc', target, atMs);
      });
    }
    return state;
  }

  function withoutMoments({ runningAtMs: _running, goneAtMs: _gone, ...counts }: ActualState): ActualState {
    return counts;
  }

  it("times starts and stops to the engine's own moments, not to the 2 s tick that saw them", () => {
    const state = learnAt(2000, (s) => s);
    assert.equal(state.start?.meanS, 1);
    assert.equal(state.stop?.meanS, 0.5);
    assert.equal(state.start?.deviationS, 0);
    // The same reads without the engine's moments: a whole tick each (what an engine that records none gives).
    const ticks = learnAt(2000, withoutMoments);
    assert.equal(ticks.start?.meanS, 2);
    assert.equal(ticks.stop?.meanS, 2);
  });

  it("never takes a negative or longer figure from an engine clock that is off: the tick's instead", () => {
    for (const skewMs of [-3_600_000, -2500, 2500, 3_600_000, Number.NaN, Number.POSITIVE_INFINITY]) {
      const skewed = (s: ActualState): ActualState => ({
        ...s,
        ...(s.runningAtMs ? { runningAtMs: s.runningAtMs.map((ms) => ms + skewMs) } : {}),
        ...(s.goneAtMs ? { goneAtMs: s.goneAtMs.map((ms) => ms + skewMs) } : {}),
      });
      const state = learnAt(2000, skewed);
      assert.equal(state.start?.meanS, 2, `start with the engine clock ${skewMs} ms off`);
      assert.equal(state.stop?.meanS, 2, `stop with the engine clock ${skewMs} ms off`);
    }
  });

  it('clamps a moment a little after the read (the state was read a moment later) to the read', () => {
    let state: LatencyState = INITIAL_LATENCY;
    state = observeLatency(state, { running: 1, starting: 0, stopping: 0 }, 10_000);
    state = observeLatency(state, { running: 2, starting: 0, stopping: 0, runningAtMs: [12_030] }, 12_000);
    assert.equal(state.start?.meanS, 2);
    state = observeLatency(state, { running: 3, starting: 0, stopping: 0, runningAtMs: [11_000, 12_700] }, 14_000);
    assert.equal(state.start?.samples, 2);
    assert.ok(Math.abs((state.start?.meanS ?? 0) - (2 + 0.2 * (0.7 - 2))) < 1e-9, `start ${state.start?.meanS}`);
  });

  it("matches requests to the engine's moments after the request and the last one used, oldest first, and the read for any without one", () => {
    // Asked for at 0, read now at 2000: one moment before the request (an older container), one after this read.
    assert.deepEqual(doneAtMs([-500, 900, 300, 600, 2500], [0, 0, 0, 0], Number.NEGATIVE_INFINITY, 2000), {
      doneMs: [300, 600, 900, 2000],
      usedMs: 2500,
    });
    assert.deepEqual(doneAtMs([900, 300], [0, 0, 0], Number.NEGATIVE_INFINITY, 2000).doneMs, [300, 900, 2000]);
    assert.deepEqual(doneAtMs([300, 600, 900], [0, 0], Number.NEGATIVE_INFINITY, 2000).doneMs, [600, 900]);
    assert.deepEqual(doneAtMs(undefined, [0, 0], 400, 2000), { doneMs: [2000, 2000], usedMs: 400 });
    // 300 was used already; 900 is not after the second request (1000): the read for it.
    assert.deepEqual(doneAtMs([300, 600, 900], [0, 1000], 300, 2000), { doneMs: [600, 2000], usedMs: 600 });
    let state: LatencyState = observeLatency(INITIAL_LATENCY, { running: 0, starting: 0, stopping: 0 }, 0);
    state = observeLatency(state, { running: 3, starting: 0, stopping: 0, runningAtMs: [900, 300, 600] }, 2000);
    assert.equal(state.start?.samples, 3);
    const expected = [0.3, 0.6, 0.9].reduce((mean, sample, i) => (i === 0 ? sample : mean + 0.2 * (sample - mean)), 0);
    assert.ok(Math.abs((state.start?.meanS ?? 0) - expected) < 1e-9, `start ${state.start?.meanS}`);
  });

  /**
   * One start asked for at 0 (the read there saw none), still starting at the read at 2000, running at
   * 4000 with the engine's moments then, and, `stopMomentsMs` given, one stop asked for at 4000, still
   * stopping at 6000 and gone at 8000 with those moments: what a real Swarm read every 2 s showed.
   */
  function slowerThanATick(runningAtMs: readonly number[], goneAtMs: readonly number[] = []): LatencyState {
    let state = observeLatency(INITIAL_LATENCY, { running: 0, starting: 0, stopping: 0 }, 0);
    state = observeLatency(state, { running: 0, starting: 1, stopping: 0 }, 2000);
    state = observeLatency(state, { running: 1, starting: 0, stopping: 0, runningAtMs }, 4000);
    state = observeLatency(state, { running: 0, starting: 0, stopping: 1, runningAtMs }, 6000);
    return observeLatency(state, { running: 0, starting: 0, stopping: 0, runningAtMs, goneAtMs }, 8000);
  }

  it("uses the engine's moment of a start or stop that ended before the previous read but was counted done only after it", () => {
    // Swarm started the task in 1.9 s by its own timestamp, but the read at 2000 still listed it starting.
    const state = slowerThanATick([1900], [5800]);
    assert.equal(state.start?.meanS, 1.9);
    assert.equal(state.stop?.meanS, 1.8);
  });

  it("does not time a start to an older container's moment, from before the start was asked for", () => {
    // The container that ran before (moment -500) is still reported; the new one has no moment: the read.
    assert.equal(slowerThanATick([-500]).start?.meanS, 4);
    // Stops: an exit from before the stop was asked for (3900) is an older container's too.
    assert.equal(slowerThanATick([], [3900]).stop?.meanS, 4);
  });

  it('does not time a second start to a moment an earlier start was already timed to', () => {
    // The first start's moment is 30 ms after the read that saw it (the state was read a moment later):
    // clamped to that read. The next start, asked for at that read, has no moment of its own.
    let state = observeLatency(INITIAL_LATENCY, { running: 1, starting: 0, stopping: 0 }, 10_000);
    state = observeLatency(state, { running: 2, starting: 0, stopping: 0, runningAtMs: [12_030] }, 12_000);
    assert.equal(state.start?.meanS, 2);
    state = observeLatency(state, { running: 3, starting: 0, stopping: 0, runningAtMs: [12_030] }, 14_000);
    assert.equal(state.start?.samples, 2);
    assert.equal(state.start?.meanS, 2);
  });

  it('a start or stop that took more than a tick, timed to an engine clock that is off, is never negative or longer than its reads', () => {
    for (const skewMs of [-3_600_000, -2500, -1000, -100, 100, 2500, 3_600_000, Number.NaN, Number.POSITIVE_INFINITY]) {
      const state = slowerThanATick([1900 + skewMs], [5800 + skewMs]);
      const startS = state.start?.meanS ?? Number.NaN;
      const stopS = state.stop?.meanS ?? Number.NaN;
      assert.ok(startS >= 0 && startS <= 4, `start ${startS} s with the engine clock ${skewMs} ms off`);
      assert.ok(stopS >= 0 && stopS <= 4, `stop ${stopS} s with the engine clock ${skewMs} ms off`);
    }
    // Behind by more than the start took: before the request, so the read.
    assert.equal(slowerThanATick([1900 - 2500]).start?.meanS, 4);
  });

  it('an engine that never reports starting or stopping gives one tick', () => {
    let state: LatencyState = INITIAL_LATENCY;
    state = observeLatency(state, { running: 1, starting: 0, stopping: 0 }, 0);
    state = observeLatency(state, { running: 3, starting: 0, stopping: 0 }, 500);
    assert.equal(state.start?.meanS, 0.5);
    assert.equal(state.stop, null);
  });

  it('knows nothing before anything started or stopped', () => {
    const state = observeLatency(
      observeLatency(INITIAL_LATENCY, { running: 2, starting: 0, stopping: 0 }, 0),
      { running: 2, starting: 0, stopping: 0 },
      500,
    );
    assert.equal(state.start, null);
    assert.equal(state.stop, null);
  });
});
