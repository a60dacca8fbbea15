// Picks one value out of a JSON document: a JSON pointer (RFC 6901: "/a/0/b", "~1" for "/", "~0" for
// "~") or a dotted path ("a.b[0].c", "items[2]", ["odd key"] for keys with dots). Hand-written: the
// rules are short and a dependency for this would weigh more than the code.

export type PathStep = string | number;

/** Parses a pointer or dotted path into steps; returns an error message instead when it is malformed. */
export function parsePath(path: string): PathStep[] | string {
  if (path === '' || path === '/') return path === '/' ? [''] : [];
  if (path.startsWith('/')) return parsePointer(path);
  return parseDotted(path);
}

function parsePointer(pointer: string): PathStep[] | string {
  const steps: PathStep[] = [];
  for (const token of pointer.slice(1).split('/')) {
    if (/~[^01]|~$/.test(token)) return `"${pointer}" is not a valid JSON pointer: "~" must be followed by 0 or 1`;
    steps.push(token.replace(/~1/g, '/').replace(/~0/g, '~'));
  }
  return steps;
}

const DOTTED_STEP = /^(?:\.?([\w$-]+)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\])/;

function parseDotted(path: string): PathStep[] | string {
  const steps: PathStep[] = [];
  let rest = path;
  let first = true;
  while (rest.length > 0) {
    const match = DOTTED_STEP.exec(rest);
    if (!match || (first && rest.startsWith('.'))) {
      return `"${path}" is not a valid path near "${rest.slice(0, 20)}"; write a.b[0].c, or a JSON pointer like /a/b/0/c`;
    }
    if (match[1] !== undefined) steps.push(match[1]);
    else if (match[2] !== undefined) steps.push(Number(match[2]));
    else steps.push((match[3] ?? '').replace(/\\(.)/g, '$1'));
    rest = rest.slice(match[0].length);
    first = false;
  }
  return steps;
}

export type PickResult =
  | { readonly found: true; readonly value: unknown }
  | { readonly found: false; readonly missingAt: string; readonly available: string };

/** Walks `steps` into `document`; when a step is missing, says where and what was there instead. */
export function pick(document: unknown, steps: readonly PathStep[]): PickResult {
  let current: unknown = document;
  const walked: string[] = [];
  for (const step of steps) {
    const next = stepInto(current, step);
    if (next === undefined) return { found: false, missingAt: `/${[...walked, String(step)].join('/')}`, available: describe(current) };
    current = next.value;
    walked.push(String(step));
  }
  return { found: true, value: current };
}

function stepInto(container: unknown, step: PathStep): { value: unknown } | undefined {
  if (Array.isArray(container)) {
    const index = typeof step === 'number' ? step : /^(0|[1-9]\d*)$/.test(step) ? Number(step) : -1;
    return index >= 0 && index < container.length ? { value: container[index] } : undefined;
  }
  if (container !== null && typeof container === 'object') {
    const key = String(step);
    return Object.prototype.hasOwnProperty.call(container, key) ? { value: (container as Record<string, unknown>)[key] } : undefined;
  }
  return undefined;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    return keys.length === 0 ? 'an empty object' : `an object with keys ${keys.slice(0, 8).join(', ')}${keys.length > 8 ? ', ...' : ''}`;
  }
  return value === null ? 'null' : `a ${typeof value}`;
}

/** A JSON number, or a string holding one ("37", as Prometheus and many APIs send); otherwise undefined. */
export function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  return undefined;
}
