// One JSON request to an orchestrator's HTTP API (Nomad, Marathon), with a timeout, turned into an
// EngineError with the right `failure` when it goes wrong. Written on fetch because neither API has a
// well-kept Node client (the Nomad and Marathon npm clients are unmaintained).
import { EngineError, type EngineFailure } from '../../errors.js';
import { parseRetryAfterMs } from './backoff.js';

export interface JsonRequest {
  readonly engine: string;
  readonly service: string;
  readonly method: 'GET' | 'POST' | 'PUT';
  readonly url: URL;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  readonly timeoutMs: number;
  /** Aborts the request when the engine closes. */
  readonly signal?: AbortSignal;
  /** Lets an engine read its API's own error shapes (e.g. Nomad's 400 during a deployment is a conflict). */
  readonly classify?: (status: number, message: string) => EngineFailure | undefined;
}

/** An EngineError carrying the server's Retry-After, so the backoff can honour it. */
export class HttpEngineError extends EngineError {
  constructor(
    failure: EngineFailure,
    engine: string,
    detail: string,
    service: string,
    readonly retryAfterMs?: number,
  ) {
    super(failure, engine, detail, service);
  }
}

export function failureForStatus(status: number): EngineFailure {
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not-found';
  if (status === 409) return 'conflict';
  if (status === 429) return 'throttled';
  // 5xx: the server cannot serve now (Nomad answers 500 "No cluster leader" during an election).
  if (status >= 500) return 'unreachable';
  return 'refused';
}

const HINTS: Partial<Record<EngineFailure, string>> = {
  auth: 'check the token or credentials in the engine block and what they may do',
  'not-found': 'check the name in the service entry (and the namespace)',
  conflict: 'a deployment is in progress; retrying with backoff',
  throttled: 'the API is rate-limiting microscale; retrying with backoff',
};

/** The text of an error response: a JSON `message` when there is one, else the body itself (shortened). */
async function errorText(response: Response): Promise<string> {
  const text = (await response.text().catch(() => '')).trim();
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && typeof (parsed as { message?: unknown }).message === 'string') {
      return (parsed as { message: string }).message;
    }
  } catch {
    // not JSON: Nomad answers errors in plain text
  }
  return text.length > 300 ? `${text.slice(0, 300)}...` : text || response.statusText;
}

export async function requestJson(request: JsonRequest): Promise<{ body: unknown; headers: Headers }> {
  const { engine, service, method, url } = request;
  const where = `${method} ${url.origin}${url.pathname}`;
  const timeout = AbortSignal.timeout(request.timeoutMs);
  const signal = request.signal ? AbortSignal.any([timeout, request.signal]) : timeout;
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: {
        accept: 'application/json',
        ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...request.headers,
      },
      ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
      signal,
    });
  } catch (error) {
    if (timeout.aborted) throw new EngineError('timeout', engine, `${where} gave no answer within ${request.timeoutMs}ms`, service);
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
    throw new EngineError('unreachable', engine, `${where}: ${cause}; is the address right and the server up?`, service);
  }
  if (!response.ok) {
    const message = await errorText(response);
    const failure = request.classify?.(response.status, message) ?? failureForStatus(response.status);
    const hint = HINTS[failure];
    const retryAfterMs = parseRetryAfterMs(response.headers.get('retry-after'), Date.now());
    throw new HttpEngineError(
      failure,
      engine,
      `${where} answered ${response.status}: ${message}${hint ? ` (${hint})` : ''}`,
      service,
      retryAfterMs,
    );
  }
  try {
    const text = await response.text();
    return { body: text ? (JSON.parse(text) as unknown) : undefined, headers: response.headers };
  } catch {
    if (timeout.aborted)
      throw new EngineError('timeout', engine, `${where} did not finish its answer within ${request.timeoutMs}ms`, service);
    throw new EngineError('refused', engine, `${where} answered ${response.status} with a body that is not JSON`, service);
  }
}
