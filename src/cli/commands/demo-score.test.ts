import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scoreDemo } from './demo-score.js';

const tick = (t: number, demand: number, p1: [number, number], p2: [number, number], stopping = 0) => ({
  t,
  capacity: 9,
  used: p1[0] + p1[1] + p2[0] + p2[1] + stopping,
  services: [
    { priority: 1, demand, running: p1[0], starting: p1[1] },
    { priority: 2, demand: null, running: p2[0], starting: p2[1] },
  ],
});

describe('demo score', () => {
  it('weighs each record by the time until the next one', () => {
    const score = scoreDemo([
      tick(0, 5, [5, 0], [4, 0]),
      tick(3, 7, [5, 0], [2, 0], 2), // 0.2 s short of demand and of a full pool
      tick(3.2, 7, [5, 2], [2, 0]), // starting counts toward demand, not toward running
      tick(3.5, 7, [7, 0], [2, 0]),
      tick(4, 7, [7, 0], [2, 0]),
    ]);
    assert.equal(score.seconds, 4);
    assert.ok(Math.abs(score.p1Met - 3.8 / 4) < 1e-9);
    assert.ok(Math.abs(score.p1Running - 3.5 / 4) < 1e-9);
    assert.ok(Math.abs(score.poolFull - 3.8 / 4) < 1e-9);
    assert.equal(score.overCapacity, 0);
    assert.equal(score.maxUsed, 9);
  });

  it('counts the time the pool is held over capacity', () => {
    const score = scoreDemo([tick(0, 5, [5, 0], [4, 0], 1), tick(1, 5, [5, 0], [4, 0]), tick(3, 5, [5, 0], [4, 0])]);
    assert.ok(Math.abs(score.overCapacity - 1 / 3) < 1e-9);
    assert.equal(score.maxUsed, 10);
  });
});
