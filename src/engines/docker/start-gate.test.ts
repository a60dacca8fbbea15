import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StartGate } from './start-gate.js';

test('a removal waits for the starts in flight, then goes', async () => {
  const gate = new StartGate();
  let finish!: () => void;
  void gate.track(new Promise<void>((resolve) => (finish = resolve)));
  let released = false;
  const waiting = gate.idle(5_000).then(() => (released = true));
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(released, false, 'released while a start was in flight');
  finish();
  await waiting;
  assert.equal(gate.inFlight, 0);
  assert.equal(gate.waiting, 0);
});

test('a removal that waited out its limit leaves no waiter behind, so a daemon never idle piles none up', async () => {
  const gate = new StartGate();
  void gate.track(new Promise<void>(() => {}));
  for (let i = 0; i < 50; i++) await gate.idle(1);
  assert.equal(gate.inFlight, 1);
  assert.equal(gate.waiting, 0, 'timed-out waiters are still held');
});
