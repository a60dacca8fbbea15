// Reads one number out of a Prometheus instant-query answer (GET /api/v1/query), following the
// documented envelope: {status: "success"|"error", data: {resultType, result}, errorType, error}.
// Exactly one number or a clear reason why not: an empty vector (no series matched), several series
// (aggregate them), NaN/Inf, a range or string result, or an error status.
import type { SourceFailure } from '../../errors.js';
import { asNumber } from '../shared/json-path.js';

export type QueryOutcome =
  | { readonly ok: true; readonly value: number }
  | { readonly ok: false; readonly failure: SourceFailure; readonly reason: string };

interface Sample {
  readonly metric?: Record<string, string>;
  readonly value?: unknown;
}

function fail(failure: SourceFailure, reason: string): QueryOutcome {
  return { ok: false, failure, reason };
}

function labels(sample: Sample): string {
  const entries = Object.entries(sample.metric ?? {});
  return `{${entries.map(([k, v]) => `${k}="${v}"`).join(', ')}}`;
}

/** The [timestamp, "value"] pair Prometheus uses for instant samples and scalars. */
function sampleNumber(pair: unknown): QueryOutcome {
  const raw = Array.isArray(pair) ? pair[1] : undefined;
  const value = asNumber(raw);
  if (value === undefined) return fail('bad-response', `the sample is ${JSON.stringify(pair)?.slice(0, 60)}, not [time, "number"]`);
  if (!Number.isFinite(value))
    return fail(
      'bad-response',
      `the query returned ${String(raw)}; use a query that yields a finite number (e.g. guard a ratio against division by zero)`,
    );
  return { ok: true, value };
}

export function readQueryResult(status: number, body: unknown): QueryOutcome {
  if (body === null || typeof body !== 'object')
    return fail('bad-response', `HTTP ${status} with a body that is not a Prometheus API response`);
  const envelope = body as { status?: unknown; data?: { resultType?: unknown; result?: unknown }; errorType?: unknown; error?: unknown };
  if (envelope.status !== 'success') {
    const why = typeof envelope.error === 'string' ? envelope.error : 'no error text';
    const type = typeof envelope.errorType === 'string' ? envelope.errorType : 'unknown';
    return fail('bad-response', `the query failed (HTTP ${status}, ${type}): ${why.slice(0, 200)}`);
  }
  const resultType = envelope.data?.resultType;
  const result = envelope.data?.result;
  if (resultType === 'scalar') return sampleNumber(result);
  if (resultType !== 'vector' || !Array.isArray(result)) {
    return fail(
      'bad-response',
      `the query returned a ${String(resultType)}; ` +
        `an instant query for one number must return a vector of one series or a scalar (no [5m] range at the end)`,
    );
  }
  if (result.length === 0) {
    return fail(
      'not-found',
      'the query matched no series (empty result); check the metric name and labels, or append "or vector(0)" if absence means zero',
    );
  }
  if (result.length > 1) {
    const shown = (result as Sample[]).slice(0, 3).map(labels).join(', ');
    return fail(
      'bad-response',
      `the query returned ${result.length} series (${shown}${result.length > 3 ? ', ...' : ''}); ` +
        `aggregate them to one, e.g. sum(...) or max(...)`,
    );
  }
  return sampleNumber((result[0] as Sample).value);
}
