import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { projectErrorMap } from './error-map.js';

function messageOf(schema: z.ZodTypeAny, value: unknown): string | undefined {
  const result = schema.safeParse(value, { errorMap: projectErrorMap });
  return result.success ? undefined : result.error.issues[0]?.message;
}

describe('the words of a size or bound check', () => {
  it('names a list in items, a text in characters, a number by its comparison, and says exactly/at least/more than', () => {
    const cases: [z.ZodTypeAny, unknown, string][] = [
      [z.array(z.number()).min(2), [1], 'expected a list of at least 2 items'],
      [z.array(z.number()).max(1), [1, 2], 'expected a list of at most 1 item'],
      [z.array(z.number()).length(3), [1], 'expected a list of exactly 3 items'],
      [z.set(z.number()).min(1), new Set(), 'expected a list of at least 1 item'],
      [z.string().min(1), '', 'expected text of at least 1 character'],
      [z.string().max(3), 'abcd', 'expected text of at most 3 characters'],
      [z.string().length(2), 'a', 'expected text of exactly 2 characters'],
      [z.number().positive(), 0, 'expected a number > 0'],
      [z.number().min(1), 0, 'expected a number >= 1'],
      [z.number().lt(5), 5, 'expected a number < 5'],
      [z.number().max(5), 6, 'expected a number <= 5'],
    ];
    for (const [schema, value, expected] of cases) assert.equal(messageOf(schema, value), expected, JSON.stringify(value));
  });
});
