// The instant-query answer shapes of the Prometheus HTTP API that a live server rarely produces on
// demand: scalar, string, +Inf and an error envelope without HTTP error status.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readQueryResult } from './result.js';

const success = (resultType: string, result: unknown) => ({ status: 'success', data: { resultType, result } });

describe('prometheus query result', () => {
  it('takes a scalar and a single-sample vector', () => {
    assert.deepEqual(readQueryResult(200, success('scalar', [1700000000.1, '12.5'])), { ok: true, value: 12.5 });
    assert.deepEqual(readQueryResult(200, success('vector', [{ metric: {}, value: [1, '3'] }])), { ok: true, value: 3 });
  });

  it('refuses +Inf, strings and error envelopes with the reason', () => {
    const inf = readQueryResult(200, success('vector', [{ metric: {}, value: [1, '+Inf'] }]));
    assert.ok(!inf.ok && inf.failure === 'bad-response' && /\+Inf/.test(inf.reason));
    const text = readQueryResult(200, success('string', [1, 'hello']));
    assert.ok(!text.ok && /string/.test(text.reason));
    const timeout = readQueryResult(503, { status: 'error', errorType: 'timeout', error: 'query timed out in expression evaluation' });
    assert.ok(!timeout.ok && /timeout.*timed out/.test(timeout.reason));
  });

  it('calls an empty vector not-found and says how to default it to zero', () => {
    const empty = readQueryResult(200, success('vector', []));
    assert.ok(!empty.ok && empty.failure === 'not-found' && /or vector\(0\)/.test(empty.reason));
  });
});
