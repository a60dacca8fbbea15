import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServiceAccumulator, utilizationOf } from './score.js';

describe('scoring', () => {
  it('counts the seconds over a queue-length SLA', () => {
    const acc = new ServiceAccumulator('orders', 1, { queueLength: 100 }, 50, 10);
    for (const queue of [0, 50, 100, 101, 300, 20]) acc.addQueue(queue, 2, 0.5);
    const score = acc.finish(3);
    assert.equal(score.slaViolationS, 1); // 101 and 300
    assert.equal(score.meanQueue, (0 + 50 + 100 + 101 + 300 + 20) / 6);
    assert.equal(score.meanDistance, (50 + 0 + 50 + 51 + 250 + 30) / 6);
    assert.equal(score.started, 3);
  });
  it('counts the seconds over a wait SLA (queue over what the running containers drain)', () => {
    const acc = new ServiceAccumulator('orders', 1, { waitS: 5 }, undefined, 10);
    acc.addQueue(40, 1, 1); // 4 s
    acc.addQueue(60, 1, 1); // 6 s: over
    acc.addQueue(1, 0, 1); // nobody working: over
    assert.equal(acc.finish(0).slaViolationS, 2);
  });
  it('reports the 95th percentile within 1 %, never under it', () => {
    const acc = new ServiceAccumulator('orders', 1, { queueLength: 1e9 }, undefined, 10);
    for (let i = 1; i <= 1000; i++) acc.addQueue(i, 1, 1);
    const p95 = acc.finish(0).p95Queue;
    assert.ok(p95 >= 950 && p95 <= 950 * 1.0101, `p95 ${p95}`);
  });
  it('utilisation is busy container-seconds over capacity-seconds', () => {
    const a = new ServiceAccumulator('a', 1, { queueLength: 1 }, undefined, 1);
    a.busySeconds = 300;
    const b = new ServiceAccumulator('b', 2, undefined, undefined, 1);
    b.busySeconds = 600;
    assert.equal(utilizationOf([a.finish(0), b.finish(0)], 10, 100), 0.9);
  });
});
