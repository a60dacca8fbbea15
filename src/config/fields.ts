// Schema building blocks whose messages read the way validate reports them:
// "expected an integer >= 1", "expected a duration like 500ms, 3s or 2m". Every number and duration has
// an upper bound too, so no value that passes validation can exhaust the machine (a pool of 2^53
// containers, a timer Node cannot hold).
import { z } from 'zod';
import { toBaseUnits } from '../core/resources.js';
import { formatDurationMs, parseDurationMs } from './duration.js';
import { projectErrorMap } from './error-map.js';

// Any check without a message of its own speaks the project's words, never zod's defaults.
z.setErrorMap(projectErrorMap);

/** Node's timers hold at most 2^31 - 1 ms (~24.8 days); a longer delay fires after 1 ms, every time. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
/** The longest duration a config may give: 596h, the largest whole hour a timer holds. */
export const MAX_DURATION_MS = Math.floor(MAX_TIMER_MS / 3_600_000) * 3_600_000;
/** Containers in one pool (capacity, a service's min/max/fallback, a step). */
export const MAX_CONTAINERS = 10_000;
/** Any other integer or number: far beyond a sensible setting, far below what breaks arithmetic. */
export const MAX_INTEGER = 1_000_000_000;
export const MAX_NUMBER = 1e12;

export function intAtLeast(min: number, max: number = MAX_INTEGER, why = '') {
  const message = `expected an integer >= ${min}`;
  return z
    .number({ invalid_type_error: message, required_error: `is required (${message})` })
    .int(message)
    .min(min, message)
    .max(max, `expected an integer <= ${max}${why}`);
}

/** A count of containers: at most MAX_CONTAINERS. */
export function containerCount(min: number) {
  return intAtLeast(min, MAX_CONTAINERS, ` (a pool holds at most ${MAX_CONTAINERS} containers)`);
}

export function numberAbove(min: number, max: number = MAX_NUMBER) {
  const message = `expected a number > ${min}`;
  return z
    .number({ invalid_type_error: message, required_error: `is required (${message})` })
    .gt(min, message)
    .max(max, `expected a number <= ${max}`);
}

export function numberAtLeast(min: number, max: number = MAX_NUMBER) {
  const message = `expected a number >= ${min}`;
  return z
    .number({ invalid_type_error: message, required_error: `is required (${message})` })
    .min(min, message)
    .max(max, `expected a number <= ${max}`);
}

export function nonEmptyString(what = 'a non-empty string') {
  return z.string({ invalid_type_error: `expected ${what}`, required_error: `is required (${what})` }).min(1, `expected ${what}`);
}

/** A duration string ("500ms", "3s", "2m") → milliseconds, from `minMs` to MAX_DURATION_MS. */
export function duration(minMs = 0) {
  const message = 'expected a duration like 500ms, 3s or 2m';
  return z.string({ invalid_type_error: message }).transform((text, ctx) => {
    const ms = parseDurationMs(text);
    if (ms === undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message });
      return z.NEVER;
    }
    if (ms > MAX_DURATION_MS) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `expected a duration of at most ${formatDurationMs(MAX_DURATION_MS)} (the longest a timer can wait)`,
      });
      return z.NEVER;
    }
    if (ms < minMs) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected a duration of at least ${formatDurationMs(minMs)}` });
      return z.NEVER;
    }
    return ms;
  });
}

export function url(what = 'a URL') {
  return nonEmptyString(what).refine((text) => URL.canParse(text), `expected ${what}`);
}

const QUANTITY_EXAMPLES: Readonly<Record<string, string>> = {
  cpu: 'a CPU quantity like 500m, 0.5 or 2 (cores)',
  memory: 'a memory quantity like 256Mi, 1.5Gi or 16Gi',
};

/**
 * A Kubernetes quantity of one resource (cpu or memory), as a string or a YAML number, > 0 → whole
 * base units (millicores, bytes): rounded up for what a container takes, down for what a pool holds.
 */
export function quantity(resource: 'cpu' | 'memory', round: 'up' | 'down') {
  const message = `expected ${QUANTITY_EXAMPLES[resource] ?? 'a quantity'}`;
  return z.union([z.string(), z.number()], { errorMap: () => ({ message }) }).transform((raw, ctx) => {
    const amount = toBaseUnits(resource, raw, round);
    if (amount !== undefined && amount > Number.MAX_SAFE_INTEGER) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${message}, at most ${resource === 'cpu' ? '9007199254740 cores' : '8Pi'}` });
      return z.NEVER;
    }
    if (amount === undefined || amount <= 0) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: amount === undefined ? message : `${message}, more than 0${resource === 'cpu' ? ' (at least 1m)' : ''}`,
      });
      return z.NEVER;
    }
    return amount;
  });
}
