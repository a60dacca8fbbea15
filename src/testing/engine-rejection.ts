// For engine tests: the EngineError a promise rejects with (the test fails if it resolves, or rejects
// with anything else), so the test can assert its failure kind and message.
import assert from 'node:assert/strict';
import { EngineError } from '../errors.js';

export async function engineRejection(promise: Promise<unknown>): Promise<EngineError> {
  const error = await promise.then(
    () => assert.fail('expected an EngineError'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof EngineError, `expected an EngineError, got ${String(error)}`);
  return error;
}
