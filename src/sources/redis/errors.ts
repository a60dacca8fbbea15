// Sorts what ioredis throws into microscale's SourceError failures, so the log says "auth" or
// "not-found" instead of a raw driver message. Secrets are scrubbed from anything the driver said.
import { errorMessage, type SourceError, type SourceFailure } from '../../errors.js';
import { sourceErrorBuilder } from '../shared/source-error.js';
import { RedisNotReady, type RedisEndpoint } from './connection.js';

const AUTH = /^(WRONGPASS|NOAUTH|NOPERM)|invalid (username-)?password|AUTH .* called without any password/i;
const UNREACHABLE =
  /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|ECONNRESET|EAI_AGAIN|Connection is closed|Stream isn't writeable|connect ETIMEDOUT/i;

function failureOf(error: unknown): SourceFailure {
  const message = errorMessage(error);
  if (AUTH.test(message)) return 'auth';
  if (error instanceof RedisNotReady) return error.timedOut ? 'timeout' : 'unreachable';
  if (UNREACHABLE.test(message)) return 'unreachable';
  if (/^WRONGTYPE/.test(message)) return 'bad-response';
  if (/no such key|^NOGROUP/i.test(message)) return 'not-found';
  return 'bad-response';
}

const HINTS: Record<SourceFailure, string> = {
  unreachable: 'is the server running and the URL right?',
  auth: 'check username/password (use ${ENV} or ${file:/path})',
  'not-found': 'check the key, stream and group names',
  'bad-response': 'the key holds another type than the metric block says',
  timeout: 'the server did not answer within the metric timeout',
};

const build = sourceErrorBuilder('redis', failureOf, HINTS);

/** A SourceError for `service` naming the server (without credentials) and what to check. */
export function redisSourceError(error: unknown, endpoint: RedisEndpoint, service: string, what: string): SourceError {
  return build(error, endpoint.url, [endpoint.password, endpoint.username], service, what);
}
