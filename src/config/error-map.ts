// The words of every check that has no message of its own: "expected a list", "expected one of a, b",
// never zod's defaults ("Expected object, received string", "Required", "Invalid input").
import { z, type ZodErrorMap } from 'zod';

const TYPE_WORDS: Readonly<Record<string, string>> = {
  object: 'a map of keys (key: value)',
  array: 'a list',
  string: 'text',
  number: 'a number',
  integer: 'an integer',
  boolean: 'true or false',
  bigint: 'an integer',
  date: 'a date',
  null: 'nothing (null)',
  map: 'a map of keys (key: value)',
  set: 'a list',
};

function typeWords(type: string): string {
  return TYPE_WORDS[type] ?? type;
}

function bound(issue: { inclusive: boolean; exact?: boolean }, atLeast: boolean): string {
  if (issue.exact) return 'exactly';
  if (issue.inclusive) return atLeast ? 'at least' : 'at most';
  return atLeast ? 'more than' : 'less than';
}

/** A too_small or too_big check: a list counts items, a text characters; anything else is compared as a number. */
function sizeWords(issue: { type: string; inclusive: boolean; exact?: boolean }, limit: number | bigint, atLeast: boolean): string {
  const plural = limit === 1 ? '' : 's';
  if (issue.type === 'array' || issue.type === 'set') return `expected a list of ${bound(issue, atLeast)} ${String(limit)} item${plural}`;
  if (issue.type === 'string') return `expected text of ${bound(issue, atLeast)} ${String(limit)} character${plural}`;
  return `expected a number ${atLeast ? '>' : '<'}${issue.inclusive ? '=' : ''} ${String(limit)}`;
}

export const projectErrorMap: ZodErrorMap = (issue) => {
  switch (issue.code) {
    case z.ZodIssueCode.invalid_type:
      if (issue.received === 'undefined') return { message: `is required (${typeWords(issue.expected)})` };
      return { message: `expected ${typeWords(issue.expected)}` };
    case z.ZodIssueCode.invalid_literal:
      return { message: `expected ${JSON.stringify(issue.expected)}` };
    case z.ZodIssueCode.invalid_enum_value:
      return { message: `expected one of ${issue.options.map(String).join(', ')}` };
    case z.ZodIssueCode.invalid_union_discriminator:
      return { message: `expected one of ${issue.options.map((o) => JSON.stringify(o)).join(', ')}` };
    case z.ZodIssueCode.invalid_union:
      return { message: 'matches none of the forms this key takes; see docs/config.md' };
    case z.ZodIssueCode.unrecognized_keys:
      return { message: `unknown key${issue.keys.length === 1 ? '' : 's'} ${issue.keys.join(', ')}` };
    case z.ZodIssueCode.invalid_string:
      return {
        message:
          typeof issue.validation === 'string'
            ? `expected ${issue.validation === 'url' ? 'a URL' : `text in ${issue.validation} form`}`
            : 'expected text in another form',
      };
    case z.ZodIssueCode.too_small:
      return { message: sizeWords(issue, issue.minimum, true) };
    case z.ZodIssueCode.too_big:
      return { message: sizeWords(issue, issue.maximum, false) };
    case z.ZodIssueCode.not_multiple_of:
      return { message: `expected a multiple of ${String(issue.multipleOf)}` };
    case z.ZodIssueCode.not_finite:
      return { message: 'expected a finite number' };
    case z.ZodIssueCode.invalid_date:
      return { message: 'expected a date' };
    case z.ZodIssueCode.invalid_arguments:
    case z.ZodIssueCode.invalid_return_type:
    case z.ZodIssueCode.invalid_intersection_types:
    case z.ZodIssueCode.custom:
      return { message: 'is not valid here; see docs/config.md' };
  }
  return { message: 'is not valid here; see docs/config.md' };
};
