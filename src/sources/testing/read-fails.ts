// Test support for every source: a read that must fail, and how.
import assert from 'node:assert/strict';
import { SourceError, type SourceFailure } from '../../errors.js';
import type { Source } from '../types.js';

/** Asserts that one read rejects with a SourceError of `failure` whose message matches `pattern`. */
export async function assertReadFails(source: Source, failure: SourceFailure, pattern?: RegExp, timeoutMs = 3000): Promise<SourceError> {
  let caught: unknown;
  try {
    const value = await source.read(AbortSignal.timeout(timeoutMs));
    assert.fail(`expected a ${failure} SourceError, but the read returned ${value}`);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof SourceError, `expected a SourceError, got ${String(caught)}`);
  assert.equal(caught.failure, failure, caught.message);
  if (pattern) assert.match(caught.message, pattern);
  return caught;
}
