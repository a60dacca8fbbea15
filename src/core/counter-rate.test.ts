import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { counterStep, type CounterBase, type CounterStep } from './counter-rate.js';

/** Feeds [count, atMs] reads in order; returns each step. */
function run(reads: readonly (readonly [number, number])[], minIntervalMs = 500): CounterStep[] {
  let base: CounterBase | undefined;
  return reads.map(([count, atMs]) => {
    const step = counterStep(base, count, atMs, minIntervalMs);
    base = step.base;
    return step;
  });
}

const rates = (steps: CounterStep[]) => steps.map((s) => (s.kind === 'rate' ? s.rate : 'not-yet'));

describe('a rate from a counter of messages added', () => {
  it('gives no rate on the first read ("not yet", never 0), then Δcount / Δt per second', () => {
    const steps = run([
      [1000, 0],
      [1050, 1000],
      [1150, 3000],
      [1150, 4000],
    ]);
    assert.deepEqual(rates(steps), ['not-yet', 50, 50, 0]);
    assert.deepEqual(steps[0], { kind: 'not-yet', reset: false, base: { count: 1000, atMs: 0, rate: undefined } });
  });

  it('starts over when the counter goes backwards (stream deleted and made again): no negative rate', () => {
    const steps = run([
      [500, 0],
      [600, 1000],
      [20, 2000],
      [60, 3000],
    ]);
    assert.deepEqual(rates(steps), ['not-yet', 100, 'not-yet', 40]);
    assert.equal(steps[2]?.kind === 'not-yet' && steps[2].reset, true);
  });

  it('does not divide by a few milliseconds: reads closer than the minimum keep the last full interval', () => {
    // A burst of 10 messages 5 ms after a read would be 2000/s; it is measured over the next full interval.
    const steps = run([
      [0, 0],
      [10, 5],
      [100, 1000],
      [110, 1005],
      [300, 2000],
    ]);
    assert.deepEqual(rates(steps), ['not-yet', 'not-yet', 100, 100, 200]);
  });

  it('measures over the whole gap after a failed read (the caller keeps the base), and starts over if the clock goes back', () => {
    // The read at 1000 failed: the next is measured from 0 to 3000.
    assert.deepEqual(
      rates(
        run([
          [0, 0],
          [300, 3000],
        ]),
      ),
      ['not-yet', 100],
    );
    const back = run([
      [0, 1000],
      [10, 2000],
      [20, 1500],
    ]);
    assert.deepEqual(rates(back), ['not-yet', 10, 'not-yet']);
  });
});
