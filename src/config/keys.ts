// The keys a config block may hold, for "unknown key ...; did you mean ...?": read from the schemas
// themselves (they are the one list of keys), through zod's public API only: an object's `shape`, and
// the documented way to unwrap each wrapper (`innerType()` of a refinement or transform, `removeDefault()`,
// `unwrap()` of optional or nullable). No `_def`, and no wrapper class is named, so nothing here depends on
// zod 3's internals.
import type { z } from 'zod';

interface Unwrappable {
  readonly shape?: unknown;
  /** zod 4: the input side of a transform (a pipe). */
  readonly in?: unknown;
  innerType?(): unknown;
  removeDefault?(): unknown;
  unwrap?(): unknown;
}

/** The schema under its optional, default, refinement and transform wrappers. */
function unwrapped(schema: unknown): Unwrappable | undefined {
  let inner = schema as Unwrappable | undefined;
  for (let depth = 0; inner && depth < 16; depth++) {
    if (inner.shape !== undefined && typeof inner.shape === 'object') return inner;
    const next = inner.innerType?.() ?? inner.removeDefault?.() ?? inner.unwrap?.() ?? inner.in;
    if (next === undefined || next === inner) return inner;
    inner = next as Unwrappable;
  }
  return inner;
}

function shapeOf(schema: unknown): Record<string, unknown> | undefined {
  const inner = unwrapped(schema);
  return inner?.shape !== null && typeof inner?.shape === 'object' ? (inner.shape as Record<string, unknown>) : undefined;
}

/** The keys of the object at `path` inside `schema` ([] where there is no object there). */
export function keysAt(schema: z.ZodTypeAny, path: readonly (string | number)[]): string[] {
  let current: unknown = schema;
  for (const key of path) {
    const shape = shapeOf(current);
    if (!shape || typeof key !== 'string' || !(key in shape)) return [];
    current = shape[key];
  }
  return Object.keys(shapeOf(current) ?? {});
}
