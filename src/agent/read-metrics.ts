// Reads every service's metric (or arrivals) in parallel, each bounded by the timeout, never throwing: a
// failed read comes back as an error message so the tick can mark the service stale and hold (or, for
// arrivals, go on without them).
import type { Source, SourceRole } from '../sources/types.js';
import { errorMessage } from '../errors.js';

export type Reading = { readonly ok: true; readonly value: number } | { readonly ok: false; readonly message: string };

/** A reading the tick cannot use: not a number, or (arrivals) a negative rate. */
function badValue(value: number, role: SourceRole): string | undefined {
  if (!Number.isFinite(value)) return `not a finite number (${value})`;
  if (role === 'arrivals' && value < 0) return `a negative arrival rate (${value}); expected messages/s >= 0`;
  return undefined;
}

export async function readWithTimeout(source: Source, timeoutMs: number, service: string, role: SourceRole = 'metric'): Promise<Reading> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Reading>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve({ ok: false, message: `${role} for service "${service}": timeout: no answer within ${timeoutMs}ms` });
    }, timeoutMs);
  });
  try {
    const read = source.read(controller.signal).then(
      (value): Reading => {
        const bad = badValue(value, role);
        return bad === undefined ? { ok: true, value } : { ok: false, message: `${role} for service "${service}": bad-response: ${bad}` };
      },
      (error: unknown): Reading => ({ ok: false, message: errorMessage(error) }),
    );
    return await Promise.race([read, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function readAll(
  sources: ReadonlyMap<string, Source>,
  timeoutMs: number,
  role: SourceRole = 'metric',
): Promise<Map<string, Reading>> {
  const entries = await Promise.all(
    [...sources].map(async ([service, source]) => [service, await readWithTimeout(source, timeoutMs, service, role)] as const),
  );
  return new Map(entries);
}
