// Schema building blocks whose messages read the way validate reports them:
// "expected an integer >= 1", "expected a duration like 500ms, 3s or 2m".
import { z } from 'zod';
import { toBaseUnits } from '../core/resources.js';
import { parseDurationMs } from './duration.js';

export function intAtLeast(min: number) {
  const message = `expected an integer >= ${min}`;
  return z.number({ invalid_type_error: message, required_error: `is required (${message})` }).int(message).min(min, message);
}

export function numberAbove(min: number) {
  const message = `expected a number > ${min}`;
  return z.number({ invalid_type_error: message, required_error: `is required (${message})` }).gt(min, message);
}

export function numberAtLeast(min: number) {
  const message = `expected a number >= ${min}`;
  return z.number({ invalid_type_error: message, required_error: `is required (${message})` }).min(min, message);
}

export function nonEmptyString(what = 'a non-empty string') {
  return z.string({ invalid_type_error: `expected ${what}`, required_error: `is required (${what})` }).min(1, `expected ${what}`);
}

/** A duration string ("500ms", "3s", "2m") → milliseconds. */
export function duration() {
  const message = 'expected a duration like 500ms, 3s or 2m';
  return z
    .string({ invalid_type_error: message })
    .transform((text, ctx) => {
      const ms = parseDurationMs(text);
      if (ms === undefined) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message });
        return z.NEVER;
      }
      return ms;
    });
}

export function url(what = 'a URL') {
  return nonEmptyString(what).refine((text) => URL.canParse(text), `expected ${what}`);
}

const QUANTITY_EXAMPLES: Readonly<Record<string, string>> = { cpu: 'a CPU quantity like 500m, 0.5 or 2 (cores)', memory: 'a memory quantity like 256Mi, 1.5Gi or 16Gi' };

/**
 * A Kubernetes quantity of one resource (cpu or memory), as a string or a YAML number, > 0 → whole
 * base units (millicores, bytes): rounded up for what a container takes, down for what a pool holds.
 */
export function quantity(resource: 'cpu' | 'memory', round: 'up' | 'down') {
  const message = `expected ${QUANTITY_EXAMPLES[resource] ?? 'a quantity'}`;
  return z.union([z.string(), z.number()], { errorMap: () => ({ message }) }).transform((raw, ctx) => {
    const amount = toBaseUnits(resource, raw, round);
    if (amount === undefined || amount <= 0) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: amount === undefined ? message : `${message}, more than 0${resource === 'cpu' ? ' (at least 1m)' : ''}` });
      return z.NEVER;
    }
    return amount;
  });
}
