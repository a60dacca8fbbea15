import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mostHoldingByEvents } from './pool-watch.js';

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
