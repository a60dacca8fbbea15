// Turns zod issues into the lines `microscale validate` prints:
// "services[1].priority: expected an integer >= 1, got "high"".
import type { ZodIssue } from 'zod';
import { joinPath } from './env.js';

export function formatPath(path: readonly (string | number)[], prefix = ''): string {
  return path.reduce<string>((acc, key) => joinPath(acc, key), prefix);
}

export function valueAt(root: unknown, path: readonly (string | number)[]): unknown {
  let current: unknown = root;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

/** Keys whose values are credentials: never echoed back in a config error. */
const SECRET_KEY = /password|secret|token|accountkey|api[-_]?key|connectionstring|credentials|authorization|bearer/i;
const SHOWN_CHARS = 60;

/** Where a shown value sits, so values put in by `${ENV}` / `${file:}` (env.ts) are never shown. */
export interface ShownAt {
  readonly path?: string;
  /** YAML path → the reference substituted there. */
  readonly substituted?: ReadonlyMap<string, string>;
}

/** JSON-like text of a value, cut once long enough: secrets and substituted values replaced, user:password@ in URLs hidden. */
function render(
  value: unknown,
  key: string,
  path: string | undefined,
  substituted: ReadonlyMap<string, string> | undefined,
  out: string[],
  budget: { left: number },
): void {
  if (budget.left <= 0) return;
  const push = (text: string): void => {
    out.push(text);
    budget.left -= text.length;
  };
  const reference = path === undefined ? undefined : substituted?.get(path);
  if (reference !== undefined) return push(`(from ${reference}, not shown)`);
  if (SECRET_KEY.test(key) && value !== null && value !== undefined) return push('"(hidden)"');
  if (typeof value === 'string')
    return push(
      JSON.stringify(value.length > SHOWN_CHARS * 2 ? value.slice(0, SHOWN_CHARS * 2) : value).replace(/\/\/[^/@\s]*@/g, '//(hidden)@'),
    );
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return push(JSON.stringify(value));
  if (typeof value !== 'object') return push(String(value));
  const isList = Array.isArray(value);
  push(isList ? '[' : '{');
  let first = true;
  for (const [childKey, child] of Object.entries(value)) {
    if (budget.left <= 0) return;
    if (!first) push(',');
    first = false;
    const childPath = path === undefined ? undefined : joinPath(path, isList ? Number(childKey) : childKey);
    if (!isList) push(`${JSON.stringify(childKey)}:`);
    render(child, isList ? key : childKey, childPath, substituted, out, budget);
  }
  push(isList ? ']' : '}');
}

export function showValue(value: unknown, key = '', at: ShownAt = {}): string {
  if (value === undefined) return 'nothing';
  if (SECRET_KEY.test(key) && value !== null) return '(hidden)';
  const out: string[] = [];
  render(value, key, at.path, at.substituted, out, { left: SHOWN_CHARS + 1 });
  const text = out.join('');
  if (text.startsWith('(from ')) return text;
  return text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS - 3)}...` : text;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const saved = row[j] ?? 0;
      row[j] = Math.min((row[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = saved;
    }
  }
  return row[b.length] ?? 0;
}

export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** A service's `simulation:` block belongs to simulator scenarios, which the agent's parser never sees. */
const SCENARIO_HINT =
  '; this is a simulator scenario (traces/scenario.yaml): ' +
  'run it with microscale simulate -c FILE --trace TRACE.csv, or remove the block to run it live';

/** Lines for the issues of one parse; `input` is what was parsed, `prefix` its YAML path. */
export function formatIssues(
  issues: readonly ZodIssue[],
  input: unknown,
  prefix = '',
  knownKeys: (path: (string | number)[]) => readonly string[] = () => [],
  substituted?: ReadonlyMap<string, string>,
): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    const path = formatPath(issue.path, prefix) || '(root)';
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const suggestion = closest(key, knownKeys(issue.path));
        const fix =
          key === 'simulation' ? SCENARIO_HINT : suggestion ? `; did you mean "${suggestion}"?` : '; remove it or check the spelling';
        lines.push(`${formatPath([...issue.path, key], prefix)}: unknown key${fix}`);
      }
      continue;
    }
    const value = valueAt(input, issue.path);
    if (issue.code === 'invalid_type' && issue.received === 'undefined') {
      lines.push(`${path}: ${issue.message.startsWith('is required') ? issue.message : `is required (${issue.message})`}`);
      continue;
    }
    if (issue.code === 'invalid_union_discriminator') {
      lines.push(
        `${path}: expected one of ${issue.options.map((o) => JSON.stringify(o)).join(', ')}, ` +
          `got ${showValue(value, '', { path, ...(substituted ? { substituted } : {}) })}`,
      );
      continue;
    }
    lines.push(
      `${path}: ${issue.message}, got ` +
        `${showValue(value, String(issue.path[issue.path.length - 1] ?? ''), { path, ...(substituted ? { substituted } : {}) })}` +
        (typeof value === 'string' && substituted?.has(path) && WANTS_NON_TEXT.test(issue.message) ? TEXT_FROM_REFERENCE : ''),
    );
  }
  return lines;
}

/** A message for a value that is not text: a number, a count, true or false. */
const WANTS_NON_TEXT = /^expected (a number|an integer|true or false)\b/;
/** `capacity: ${CAP}` with CAP=9 puts in the text "9": say why it is refused, and the fix. */
const TEXT_FROM_REFERENCE = '; a ${...} puts in text, so a number or true/false must be written in the file itself';
