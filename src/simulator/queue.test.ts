import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { advanceQueue, waitS } from './queue.js';

describe('queue model', () => {
  it('piles up arrivals when no container runs', () => {
    const tick = advanceQueue(10, 20, 0, 5, 0.5);
    assert.equal(tick.queue, 20);
    assert.equal(tick.worked, 0);
    assert.equal(tick.busyFraction, 0);
  });
  it('works off at most running × rate per second', () => {
    const tick = advanceQueue(100, 10, 3, 10, 1); // 110 there, 30 workable
    assert.equal(tick.worked, 30);
    assert.equal(tick.queue, 80);
    assert.equal(tick.busyFraction, 1);
  });
  it('never goes below empty, and reports idle capacity as a busy fraction under 1', () => {
    const tick = advanceQueue(0, 15, 4, 10, 1); // 15 arrive, 40 workable
    assert.equal(tick.queue, 0);
    assert.equal(tick.worked, 15);
    assert.equal(tick.busyFraction, 15 / 40);
  });
  it('wait is the backlog over the rate it drains at; infinite with nobody working', () => {
    assert.equal(waitS(100, 2, 10), 5);
    assert.equal(waitS(0, 0, 10), 0);
    assert.equal(waitS(1, 0, 10), Number.POSITIVE_INFINITY);
  });
});
