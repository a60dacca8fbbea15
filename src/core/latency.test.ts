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

  it("matches requests to the engine's moments since the previous read, oldest first, and the read for any without one", () => {
    // Read at 0 and now at 2000: one moment before the window (an older container), one after this read.
    assert.deepEqual(doneAtMs([-500, 900, 300, 600, 2500], 4, 0, 2000), [300, 600, 900, 2000]);
    assert.deepEqual(doneAtMs([900, 300], 3, 0, 2000), [300, 900, 2000]);
    assert.deepEqual(doneAtMs([300, 600, 900], 2, 0, 2000), [600, 900]);
    assert.deepEqual(doneAtMs(undefined, 2, 0, 2000), [2000, 2000]);
    let state: LatencyState = observeLatency(INITIAL_LATENCY, { running: 0, starting: 0, stopping: 0 }, 0);
    state = observeLatency(state, { running: 3, starting: 0, stopping: 0, runningAtMs: [900, 300, 600] }, 2000);
    assert.equal(state.start?.samples, 3);
    const expected = [0.3, 0.6, 0.9].reduce((mean, sample, i) => (i === 0 ? sample : mean + 0.2 * (sample - mean)), 0);
    assert.ok(Math.abs((state.start?.meanS ?? 0) - expected) < 1e-9, `start ${state.start?.meanS}`);
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
