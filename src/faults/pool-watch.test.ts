import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { capacityFigures, mostHoldingByEvents } from './pool-watch.js';

describe('mostHoldingByEvents', () => {
  it('counts a container from its start to its die, so a start on the die of another never adds one; an overlap does', () => {
    const replaced = [
      { id: 'a', action: 'start', atMs: 0 },
      { id: 'b', action: 'create', atMs: 5 },
      { id: 'a', action: 'die', atMs: 10 },
      { id: 'b', action: 'start', atMs: 200 },
      { id: 'a', action: 'destroy', atMs: 400 },
    ];
    assert.deepEqual(mostHoldingByEvents(replaced), { most: 1, atMs: 0 });
    const overlapping = [...replaced, { id: 'c', action: 'start', atMs: 300 }];
    assert.deepEqual(mostHoldingByEvents(overlapping), { most: 2, atMs: 300 });
  });
});

describe('capacityFigures', () => {
  const sample = (atMs: number, holdingIds: string[]) => ({
    atMs,
    holding: new Map([['s', holdingIds.length]]),
    holdingIds,
    running: new Map([['s', holdingIds.length]]),
    all: holdingIds.length,
  });
  const events = [
    { id: 'a', action: 'start', atMs: 0 },
    { id: 'b', action: 'start', atMs: 10 },
    { id: 'a', action: 'die', atMs: 100 },
    { id: 'c', action: 'start', atMs: 120 },
  ];

  it('a list that still shows a container after its die (the daemon cleaning up) is not over the pool; one more process is', () => {
    // At 150 the list still says `a` runs, 50 ms after its die; `c` replaced it on the die: 2 processes in a pool of 2.
    const lagging = capacityFigures([sample(50, ['a', 'b']), sample(150, ['a', 'b', 'c'])], events, 2);
    assert.equal(lagging.mostHolding, 3, 'the list alone says 3');
    assert.equal(lagging.mostHoldingLessDied, 2);
    assert.equal(lagging.mostHoldingByEvents, 2);
    assert.equal(lagging.withoutStartEvent, 0);
    assert.deepEqual(lagging.overCapacity[0]?.containers[0], { id: 'a', startMs: -150, dieMs: -50 });
    const over = capacityFigures([sample(150, ['b', 'c', 'd'])], [...events, { id: 'd', action: 'start', atMs: 130 }], 2);
    assert.equal(over.mostHoldingByEvents, 3);
    assert.equal(over.mostHoldingLessDied, 3);
  });

  it('a container listed without its start event is counted: missed events cannot hide one', () => {
    assert.equal(capacityFigures([sample(150, ['b', 'x'])], events, 2).withoutStartEvent, 1);
  });
});
