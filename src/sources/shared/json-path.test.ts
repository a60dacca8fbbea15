// JSON pointer and dotted-path picking: the escapes and edge cases users hit in real API responses.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asNumber, parsePath, pick } from './json-path.js';

const doc = { 'a/b': { '~x': 1 }, 'dotted.key': [10, 20], items: [{ depth: 3 }, { depth: '4' }], zero: 0 };

function at(path: string): unknown {
  const steps = parsePath(path);
  assert.ok(typeof steps !== 'string', `${path} should parse: ${String(steps)}`);
  const result = pick(doc, steps);
  return result.found ? result.value : undefined;
}

describe('json path', () => {
  it('follows RFC 6901 pointers, including ~1 and ~0 escapes', () => {
    assert.equal(at('/a~1b/~0x'), 1);
    assert.equal(at('/items/1/depth'), '4');
    assert.deepEqual(at(''), doc);
  });

  it('follows dotted paths with indexes, numeric segments and quoted keys', () => {
    assert.equal(at('items[0].depth'), 3);
    assert.equal(at('items.0.depth'), 3);
    assert.equal(at('["dotted.key"][1]'), 20);
    assert.equal(at('zero'), 0);
  });

  it('says where a path stops matching and what is there instead', () => {
    const result = pick(doc, parsePath('items[5].depth') as (string | number)[]);
    assert.deepEqual(result, { found: false, missingAt: '/items/5', available: 'an array of 2' });
  });

  it('rejects malformed paths and pointers with a message', () => {
    assert.equal(typeof parsePath('a..b'), 'string');
    assert.equal(typeof parsePath('.a'), 'string');
    assert.equal(typeof parsePath('/a~2'), 'string');
  });

  it('accepts numbers and numeric strings only', () => {
    assert.equal(asNumber('37'), 37);
    assert.equal(asNumber(' '), undefined);
    assert.equal(asNumber(true), undefined);
    assert.equal(asNumber('NaN'), undefined);
  });
});
