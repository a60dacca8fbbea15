import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { demandWalk } from './demo.js';
import { percentileS, scoreDemoRun, type ContainerChange } from './demo-score.js';

const change = (atMs: number, service: 'p1' | 'p2', delta: 1 | -1): ContainerChange => ({ atMs, service, delta });

describe('bench demo scoring from Docker events', () => {
  it('times a P1 increase from the demand change to the start event that meets it', () => {
    // Pool of 9 at P1 5 / P2 4; at 1 s demand goes to 6: P2 dies at 1.2 s, P1 starts at 1.5 s.
    const score = scoreDemoRun(
      9,
      [
        { atMs: 0, demand: 5 },
        { atMs: 1000, demand: 6 },
      ],
      [change(1200, 'p2', -1), change(1500, 'p1', 1)],
      { p1: 5, p2: 4 },
      0,
      4000,
    );
    assert.deepEqual(score.increaseToP1, [0.5]);
    assert.deepEqual(score.changeToBoth, [0.5]);
    assert.deepEqual(
      score.exitToStart.map((s) => Number(s.toFixed(3))),
      [0.3],
      'the start came 0.3 s after the death it replaced',
    );
    assert.ok(Math.abs(score.p1Met - 3.5 / 4) < 1e-9);
    assert.ok(Math.abs(score.poolFull - 3.7 / 4) < 1e-9);
    assert.equal(score.over, 0);
    assert.equal(score.maxRunning, 9);
  });

  it('counts time over capacity and the most running at once when a start comes before the exit', () => {
    const score = scoreDemoRun(
      9,
      [
        { atMs: 0, demand: 5 },
        { atMs: 1000, demand: 6 },
      ],
      [change(1100, 'p1', 1), change(1300, 'p2', -1)],
      { p1: 5, p2: 4 },
      0,
      2000,
    );
    assert.equal(score.maxRunning, 10);
    assert.ok(Math.abs(score.over - 0.2 / 2) < 1e-9);
  });

  it('marks a change not reached before the next one, and ranks it slowest', () => {
    const score = scoreDemoRun(
      9,
      [
        { atMs: 0, demand: 5 },
        { atMs: 1000, demand: 8 },
        { atMs: 2000, demand: 2 },
      ],
      [change(1500, 'p2', -1)],
      { p1: 5, p2: 4 },
      0,
      3000,
    );
    assert.deepEqual(score.changeToBoth, [null, null]);
    assert.equal(percentileS([0.2, null, 0.4], 50), 0.4);
    assert.equal(percentileS([0.2, null], 100), null);
  });

  it('replays the demo walk: steps of at most 3 within 0..9, the same for the same seed', () => {
    const walk = demandWalk(7, 44);
    assert.equal(walk.length, 44);
    assert.ok(walk.every((v, i) => v >= 0 && v <= 9 && (i === 0 || Math.abs(v - (walk[i - 1] ?? v)) <= 3)));
    assert.deepEqual(demandWalk(7, 44), walk);
  });
});
