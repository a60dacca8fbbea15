import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatTrace, parseTrace, sampler, scaleColumn, TraceError } from './trace.js';
import { generateTrace } from './trace-gen.js';

function problem(text: string): string {
  try {
    parseTrace(text, 't.csv');
  } catch (error) {
    assert.ok(error instanceof TraceError);
    return error.message;
  }
  assert.fail('parsed without an error');
}

describe('trace CSV', () => {
  it('parses rows into columns, piecewise constant until the next row', () => {
    const trace = parseTrace('# comment\nt_s,orders,mail\n0,10,1\n30,50,2\n60,5,3\n');
    assert.deepEqual([...trace.timesS], [0, 30, 60]);
    assert.equal(trace.durationS, 90);
    const orders = sampler(trace, 'orders');
    assert.deepEqual([0, 29.5, 30, 59, 60, 89].map(orders), [10, 10, 50, 50, 5, 5]);
  });
  it('names the line and column of a value that is not a number', () => {
    const message = problem('t_s,orders\n0,10\n10,abc\n');
    assert.match(message, /t\.csv: line 3, column 2 \(orders\): "abc" is not a number/);
  });
  it('names the line of a row with the wrong number of values', () => {
    assert.match(problem('t_s,orders,mail\n0,1,2\n10,3\n'), /line 3: expected 3 values \(t_s,orders,mail\), got 2/);
  });
  it('rejects times out of order, negative rates and a bad header', () => {
    assert.match(problem('t_s,orders\n10,1\n10,2\n'), /line 3, column 1 \(t_s\): 10 is not after the previous row's 10/);
    assert.match(problem('t_s,orders\n0,-1\n'), /line 2, column 2 \(orders\): -1 is negative/);
    assert.match(problem('time,orders\n0,1\n'), /line 1, column 1: expected the header "t_s", got "time"/);
    assert.match(problem('t_s,orders,orders\n0,1,1\n'), /column 3: column "orders" appears twice/);
    assert.match(problem(''), /is empty/);
    assert.match(problem('t_s,orders\n'), /no rows/);
  });
  it('round-trips through formatTrace', () => {
    const trace = generateTrace({ shape: 'sine', column: 'orders', durationS: 600, rowS: 60, low: 10, high: 40 });
    const again = parseTrace(formatTrace(trace));
    assert.deepEqual([...(again.columns.get('orders') ?? [])], [...(trace.columns.get('orders') ?? [])]);
    assert.equal(again.durationS, trace.durationS);
  });
  it('scales a column so its peak is the one asked for', () => {
    const scaled = scaleColumn(parseTrace('t_s,rate\n0,1\n1,4\n'), 'rate', 100, 'orders');
    assert.deepEqual([...(scaled.columns.get('orders') ?? [])], [25, 100]);
  });
});

describe('trace generation', () => {
  it('steps at the time asked', () => {
    const rate = sampler(generateTrace({ shape: 'step', column: 'a', durationS: 100, rowS: 10, low: 1, high: 9, atS: 40 }), 'a');
    assert.deepEqual([0, 39, 40, 99].map(rate), [1, 1, 9, 9]);
  });
  it('spikes for the width asked and comes back', () => {
    const rate = sampler(
      generateTrace({ shape: 'spike', column: 'a', durationS: 100, rowS: 10, low: 1, high: 9, atS: 20, widthS: 30 }),
      'a',
    );
    assert.deepEqual([10, 20, 49, 50].map(rate), [1, 9, 9, 1]);
  });
  it('walks like the demo: within [low, high], moving at most 3 of 9 levels a row, repeatable from a seed', () => {
    const options = { shape: 'randomwalk', column: 'a', durationS: 300, rowS: 3, low: 0, high: 90, seed: 3 } as const;
    const values = [...(generateTrace(options).columns.get('a') ?? [])];
    assert.deepEqual(values, [...(generateTrace(options).columns.get('a') ?? [])]);
    for (let i = 1; i < values.length; i++) assert.ok(Math.abs((values[i] ?? 0) - (values[i - 1] ?? 0)) <= 30 + 1e-9);
    assert.ok(values.every((v) => v >= 0 && v <= 90));
  });
});
