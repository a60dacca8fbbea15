import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { engineConformance } from '../testing/conformance.js';
import { SimEngine } from './sim.js';

engineConformance('sim', {
  settleMs: 2000,
  setup: async () => {
    const engine = new SimEngine(
      { kind: 'sim', startLatency: 50, stopLatency: 30 },
      [
        { name: 'a', stopGracePeriodMs: 1000, options: {} },
        { name: 'b', stopGracePeriodMs: 1000, options: {} },
      ],
      { nowMs: Date.now },
    );
    return { engine, services: ['a', 'b'], cleanup: () => engine.close() };
  },
});

describe('sim engine latencies', () => {
  it('keeps new containers starting for the start latency, and stopping ones in the pool for the stop latency', async () => {
    let now = 0;
    const engine = new SimEngine({ kind: 'sim', startLatency: 300, stopLatency: 200 }, [{ name: 'a', stopGracePeriodMs: 0, options: { stopLatency: 500 } }], { nowMs: () => now });
    await engine.apply([{ name: 'a', replicas: 2 }]);
    assert.deepEqual({ ...(await engine.observe()).get('a'), nodes: undefined }, { running: 0, starting: 2, stopping: 0, nodes: undefined });
    now = 300;
    assert.equal((await engine.observe()).get('a')?.running, 2);
    await engine.apply([{ name: 'a', replicas: 1 }]);
    assert.equal((await engine.observe()).get('a')?.stopping, 1);
    now = 799;
    assert.equal((await engine.observe()).get('a')?.stopping, 1, 'the per-service stop latency (500 ms) applies');
    now = 800;
    assert.equal((await engine.observe()).get('a')?.stopping, 0);
  });
});
