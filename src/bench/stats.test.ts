import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { meanInterval, tQuantile975 } from './stats.js';

describe('bench stats', () => {
  it('t quantiles match the table (two-sided 95 %)', () => {
    const table: [number, number][] = [
      [1, 12.706],
      [4, 2.776],
      [5, 2.571],
      [9, 2.262],
      [19, 2.093],
      [29, 2.045],
      [59, 2.001],
      [1000, 1.962],
    ];
    for (const [df, t] of table) assert.ok(Math.abs(tQuantile975(df) - t) < 0.003, `df ${df}: ${tQuantile975(df)} vs ${t}`);
  });

  it('mean interval of a known sample', () => {
    // 10 values: mean 5.5, sd 3.02765, t(9) 2.262 -> half-width 2.1659
    const r = meanInterval([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.ok(r);
    assert.equal(r.mean, 5.5);
    assert.ok(Math.abs(r.sd - 3.02765) < 1e-4);
    assert.ok(Math.abs(r.low - 3.334) < 0.01 && Math.abs(r.high - 7.666) < 0.01, `${r.low} .. ${r.high}`);
    assert.equal(meanInterval([3]), null);
    const flat = meanInterval([7, 7, 7]);
    assert.deepEqual([flat?.low, flat?.high], [7, 7]);
  });
});
