// Shared failure vocabulary for the sources that talk to a remote service (http, prometheus, nsq, sqs,
// azure-queue): socket error codes → SourceFailure, URLs shown without their credentials, and secret
// values scrubbed from any text that might reach a log or an error message.
import { SourceError, type SourceFailure } from '../../errors.js';

/** Socket-level codes that mean "nothing answered there" (as opposed to "it answered badly"). */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** The socket error code carried by `error` or by its cause (SDKs wrap the Node error). */
export function networkCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 4; depth++) {
    if (typeof current !== 'object') return undefined;
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export function isAbort(error: unknown, signal: AbortSignal): boolean {
  if (signal.aborted) return true;
  const name = error && typeof error === 'object' ? (error as { name?: unknown }).name : undefined;
  return name === 'AbortError' || name === 'TimeoutError';
}

/** A URL as it may be shown: scheme, host and path only (no user:password, no query with tokens). */
export function displayUrl(url: string | URL): string {
  try {
    const parsed = typeof url === 'string' ? new URL(url) : url;
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return '(unparseable URL)';
  }
}

/** Replaces every secret value in `text` with "***" (secrets shorter than 4 characters are left: too noisy). */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('***');
  return out;
}

/** Builds SourceErrors for one source instance, always scrubbing its secrets from the detail. */
export class FailureReporter {
  constructor(
    readonly kind: string,
    readonly service: string,
    private readonly secrets: readonly string[] = [],
  ) {}

  error(failure: SourceFailure, detail: string): SourceError {
    return new SourceError(failure, this.kind, this.service, redact(detail, this.secrets));
  }

  /** Turns an unexpected throw into unreachable / timeout, or `fallback` with the (scrubbed) message. */
  fromThrown(error: unknown, signal: AbortSignal, where: string, fallback: SourceFailure = 'bad-response'): SourceError {
    if (error instanceof SourceError) return error;
    if (isAbort(error, signal)) return this.error('timeout', `no answer from ${where} before the read timeout`);
    const code = networkCode(error);
    if (code) return this.error('unreachable', `cannot reach ${where} (${code}); check the address and that it is running`);
    const message = error instanceof Error ? error.message : String(error);
    return this.error(fallback, `${where}: ${message.split('\n')[0]?.slice(0, 200) ?? ''}`);
  }
}
