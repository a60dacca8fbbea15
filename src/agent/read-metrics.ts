// Reads every service's metric in parallel, each bounded by the timeout, never throwing: a failed read
// comes back as an error message so the tick can mark the service stale and hold.
import type { Source } from '../sources/types.js';
import { errorMessage } from '../errors.js';

export type Reading = { readonly ok: true; readonly value: number } | { readonly ok: false; readonly message: string };

export async function readWithTimeout(source: Source, timeoutMs: number, service: string): Promise<Reading> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Reading>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve({ ok: false, message: `metric for service "${service}": timeout: no answer within ${timeoutMs}ms` });
    }, timeoutMs);
  });
  try {
    const read = source.read(controller.signal).then(
      (value): Reading =>
        Number.isFinite(value) ? { ok: true, value } : { ok: false, message: `metric for service "${service}": bad-response: not a finite number (${value})` },
      (error: unknown): Reading => ({ ok: false, message: errorMessage(error) }),
    );
    return await Promise.race([read, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function readAll(sources: ReadonlyMap<string, Source>, timeoutMs: number): Promise<Map<string, Reading>> {
  const entries = await Promise.all(
    [...sources].map(async ([service, source]) => [service, await readWithTimeout(source, timeoutMs, service)] as const),
  );
  return new Map(entries);
}
