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
    const engine = new SimEngine(
      { kind: 'sim', startLatency: 300, stopLatency: 200 },
      [{ name: 'a', stopGracePeriodMs: 0, options: { stopLatency: 500 } }],
      { nowMs: () => now },
    );
    await engine.apply([{ name: 'a', replicas: 2 }]);
    assert.deepEqual(
      { ...(await engine.observe()).get('a'), nodes: undefined },
      { running: 0, starting: 2, stopping: 0, nodes: undefined },
    );
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

describe('sim engine pipelining (pre-create, free on exit, start on the exit)', () => {
  const used = (s: { running: number; starting: number; stopping: number } | undefined): number =>
    s ? s.running + s.starting + s.stopping : 0;
  /** The pool of 9 full (p1 at 5, p2 at 4, applied at 0 ms), and the clock at 1000 ms. */
  const setup = async (): Promise<{ engine: SimEngine; at: (ms: number) => void }> => {
    let now = 0;
    const engine = new SimEngine(
      { kind: 'sim', startLatency: 300, stopLatency: 50, removeLatency: 150 },
      [
        { name: 'p1', stopGracePeriodMs: 0, options: {} },
        { name: 'p2', stopGracePeriodMs: 0, options: {} },
      ],
      { nowMs: () => now },
    );
    await engine.apply([
      { name: 'p1', replicas: 5 },
      { name: 'p2', replicas: 4 },
    ]);
    now = 1000;
    return { engine, at: (ms) => (now = ms) };
  };
  /** A plan that stops p2 down to 2 and keeps p1 at 5, with `prepare`: p1's starts that wait for room. */
  const p2StopsTwo = (engine: SimEngine, prepare?: { count: number; afterExits: number }) =>
    engine.apply([
      { name: 'p1', replicas: 5, ...(prepare ? { prepare } : {}) },
      { name: 'p2', replicas: 2 },
    ]);

  it('starts a waiting start at the exit that frees its room, never holding more than the pool', async () => {
    const { engine, at } = await setup();
    // P1 wants 7: P2 stops 2, P1's 2 starts wait for them and are prepared.
    await p2StopsTwo(engine, { count: 2, afterExits: 0 });
    let state = await engine.observe();
    assert.equal(state.get('p1')?.prepared, 2, 'prepared while P2 stops');
    assert.equal(used(state.get('p1')) + used(state.get('p2')), 9, 'prepared containers hold no place');
    at(1049);
    state = await engine.observe();
    assert.deepEqual([state.get('p1')?.starting, state.get('p2')?.stopping], [0, 2]);
    at(1050);
    state = await engine.observe();
    assert.equal(state.get('p1')?.starting, 2, 'started at the exit itself, with no tick in between');
    assert.equal(state.get('p1')?.prepared, undefined);
    assert.equal(state.get('p2')?.stopping, 0, 'an exited container no longer holds its place, though not yet removed');
    assert.equal(used(state.get('p1')) + used(state.get('p2')), 9);
    at(1350);
    assert.equal((await engine.observe()).get('p1')?.running, 7, 'the start latency runs from the exit');
  });

  it('waits for the exits that free nothing when the pool is over, and drops prepared starts the next plan does not want', async () => {
    const { engine, at } = await setup();
    // As if the pool had shrunk to 7: the 2 exits free nothing, the start waits for a third.
    await p2StopsTwo(engine, { count: 1, afterExits: 2 });
    at(1050);
    let state = await engine.observe();
    assert.deepEqual([state.get('p1')?.starting, state.get('p1')?.prepared], [0, 1], 'two exits that free nothing start nothing');
    await p2StopsTwo(engine, { count: 1, afterExits: 0 });
    await p2StopsTwo(engine);
    state = await engine.observe();
    assert.equal(state.get('p1')?.prepared, undefined, 'a plan that no longer waits cancels the prepared start');
  });

  it('keeps a prepared start that began before the plan that still wants it saw it', async () => {
    const { engine, at } = await setup();
    await p2StopsTwo(engine, { count: 2, afterExits: 0 });
    at(1060);
    // A plan made from a read before the exits (p1 at 5) comes after they started: they are kept.
    await p2StopsTwo(engine, { count: 2, afterExits: 0 });
    const state = await engine.observe();
    assert.deepEqual([state.get('p1')?.starting, state.get('p1')?.stopping, state.get('p1')?.prepared], [2, 0, undefined]);
  });
});
