import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ActualState } from '../../core/types.js';
import type { ServiceView } from '../policy.js';
import { parseScenario } from '../scenario.js';
import { parseTrace } from '../trace.js';
import { kedaPolicy } from './keda.js';
import { kpaDecide, newKpaState, recordConcurrency } from './kpa.js';

describe('KPA', () => {
  it('scales on the 60 s average in stable mode', () => {
    const state = newKpaState(2, 10); // effective target 7 per pod (70 %)
    for (let t = 0; t <= 60; t += 0.5) recordConcurrency(state, t, 14);
    assert.equal(kpaDecide(state, 60, 2), 2);
  });
  it('panics when the 6 s window needs twice the ready pods, and never scales down while panicking', () => {
    const state = newKpaState(2, 10);
    for (let t = 0; t < 54; t += 0.5) recordConcurrency(state, t, 14);
    for (let t = 54; t <= 60; t += 0.5) recordConcurrency(state, t, 70); // burst: 70 / 7 = 10 pods
    assert.equal(kpaDecide(state, 60, 2), 10, 'panic mode follows the 6 s window at once');
    assert.notEqual(state.panicSinceS, null);
    for (let t = 60.5; t <= 80; t += 0.5) recordConcurrency(state, t, 7); // burst over
    assert.equal(kpaDecide(state, 80, 10), 10, 'held: no scale-down in panic');
    for (let t = 80.5; t <= 121; t += 0.5) recordConcurrency(state, t, 7);
    const after = kpaDecide(state, 121, 10);
    assert.equal(state.panicSinceS, null, 'left panic a stable window after the burst');
    assert.ok(after < 10, `still at ${after} after leaving panic`);
  });
  it('does not panic below the 200 % threshold', () => {
    const state = newKpaState(4, 10);
    for (let t = 0; t <= 60; t += 0.5) recordConcurrency(state, t, t < 54 ? 28 : 49); // panic window needs 7 < 2 × 4
    kpaDecide(state, 60, 4);
    assert.equal(state.panicSinceS, null);
  });
});

describe('KEDA', () => {
  const scenario = parseScenario({
    capacity: 10,
    services: [{ name: 'orders', target: { queueLength: 50 }, min: 0, max: 10, simulation: { ratePerContainer: 10, sla: { queueLength: 200 } } }],
  });
  const trace = parseTrace('t_s,orders\n0,10\n');
  const view = (queue: number, actual: ActualState): ServiceView[] => [{ service: scenario.services[0]!, actual, queue, arrivalRate: 0, measuredArrivalRate: 0, busyFraction: 0 }];

  it('activates from zero only at a 30 s poll, and scales to zero after the 300 s cooldown', () => {
    const keda = kedaPolicy({ scenario, trace });
    const zero = { running: 0, starting: 0, stopping: 0 };
    assert.equal(keda.decide(0, 0.5, view(0, zero)).get('orders'), 0, 'inactive at the first poll: stays at 0');
    assert.equal(keda.decide(10, 0.5, view(500, zero)).get('orders'), 0, 'messages arrive between polls: nothing until the next poll');
    // The poll activates (0 → 1) and the HPA sync of the same moment takes it on from there (+4).
    assert.equal(keda.decide(30, 0.5, view(500, zero)).get('orders'), 5, 'the poll at 30 s activates');
    const one = { running: 1, starting: 0, stopping: 0 };
    let last = 1;
    for (let t = 30.5; t < 330; t += 0.5) last = keda.decide(t, 0.5, view(0, one)).get('orders') ?? -1;
    assert.ok(last >= 1, 'scaled to zero before the cooldown');
    assert.equal(keda.decide(330, 0.5, view(0, one)).get('orders'), 0, 'the poll 300 s after the last active one (30 s): → 0');
  });
});
