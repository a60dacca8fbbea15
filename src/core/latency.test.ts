import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SimCluster } from '../engines/sim/cluster.js';
import { INITIAL_LATENCY, observeLatency, type LatencyState } from './latency.js';

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
