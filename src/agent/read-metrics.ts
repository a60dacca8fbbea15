// Reads every service's metric (or arrivals) in parallel, each bounded by the timeout, never throwing: a
// failed read comes back as an error message so the tick can mark the service stale and hold (or, for
// arrivals, go on without them). A service whose reads fail is reported as an incident, not once a tick.
import type { Source, SourceRole } from '../sources/types.js';
import { errorMessage } from '../errors.js';
import type { Incidents } from '../log/incidents.js';
import { CounterNotYet } from '../sources/shared/counter-rate.js';

/**
 * A read's value, or why there is none. `notYet`: an arrivals counter (`counter: true`) read for the first
 * time (or after it went back) has no rate yet: the tick goes on without arrivals, as for an error, but it
 * is neither logged nor counted as one.
 */
export type Reading =
  | { readonly ok: true; readonly value: number }
  | { readonly ok: false; readonly message: string; readonly notYet?: true };

/** A reading the tick cannot use: not a number, or (arrivals) a negative rate. */
function badValue(value: number, role: SourceRole): string | undefined {
  if (!Number.isFinite(value)) return `not a finite number (${value})`;
  if (role === 'arrivals' && value < 0) return `a negative arrival rate (${value}); expected messages/s >= 0`;
  return undefined;
}

/** What a read came to: its value checked, or its error as a message. */
function readingOf(read: Promise<number>, service: string, role: SourceRole): Promise<Reading> {
  return read.then(
    (value): Reading => {
      const bad = badValue(value, role);
      return bad === undefined ? { ok: true, value } : { ok: false, message: `${role} for service "${service}": bad-response: ${bad}` };
    },
    (error: unknown): Reading =>
      error instanceof CounterNotYet ? { ok: false, message: error.message, notYet: true } : { ok: false, message: errorMessage(error) },
  );
}

function timeoutReading(timeoutMs: number, service: string, role: SourceRole): Reading {
  return { ok: false, message: `${role} for service "${service}": timeout: no answer within ${timeoutMs}ms` };
}

export async function readWithTimeout(source: Source, timeoutMs: number, service: string, role: SourceRole = 'metric'): Promise<Reading> {
  const readings = await readAll(new Map([[service, source]]), timeoutMs, role);
  return readings.get(service) ?? timeoutReading(timeoutMs, service, role);
}

/**
 * Every source at once under one deadline: the reads start together, so one timer and one abort signal
 * serve them all (at 10,000 services a timer, a controller and a race per read were a third of the tick).
 * A read not answered by the deadline is aborted and comes back as a timeout.
 */
export async function readAll(
  sources: ReadonlyMap<string, Source>,
  timeoutMs: number,
  role: SourceRole = 'metric',
): Promise<Map<string, Reading>> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve();
    }, timeoutMs);
  });
  try {
    const readings = await Promise.all(
      [...sources].map(([service, source]) => {
        let read: Promise<number>;
        try {
          read = source.read(controller.signal);
        } catch (error) {
          read = Promise.reject(error);
        }
        return Promise.race([readingOf(read, service, role), deadline.then(() => timeoutReading(timeoutMs, service, role))]);
      }),
    );
    const byService = new Map<string, Reading>();
    let i = 0;
    for (const service of sources.keys()) byService.set(service, readings[i++]!);
    return byService;
  } finally {
    clearTimeout(timer);
  }
}

/** One line when a service's reads start failing, a summary while they fail, one when they work again. */
export function reportReads(incidents: Incidents, role: SourceRole, readings: ReadonlyMap<string, Reading>, nowMs: number): void {
  const event = `${role}-error`;
  const consequence = role === 'metric' ? 'service held' : 'deciding from the queue alone';
  for (const [service, reading] of readings) {
    const key = `${role}/${service}`;
    if (!reading.ok && reading.notYet) continue; // neither failing nor read again
    if (reading.ok) incidents.ok(key, { event, service }, `${role} for service "${service}" read again`, nowMs);
    else incidents.fail(key, { event, service }, `${reading.message}; ${consequence}`, nowMs, 'warn');
  }
  incidents.retain((key) => !key.startsWith(`${role}/`) || readings.has(key.slice(role.length + 1)));
}
