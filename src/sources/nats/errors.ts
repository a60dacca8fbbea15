// Sorts what nats.js throws into SourceError failures: NatsError codes for connection and auth, the
// JetStream API's 404s (stream 10059, consumer 10014) for names that do not exist.
import { errorMessage, type SourceError, type SourceFailure } from '../../errors.js';
import { sourceErrorBuilder } from '../shared/source-error.js';
import { NatsNotConnected, type NatsEndpoint } from './connection.js';

const AUTH_CODES = new Set([
  'AUTHORIZATION_VIOLATION',
  'BAD_AUTHENTICATION',
  'AUTHENTICATION_EXPIRED',
  'BAD_CREDS',
  'PERMISSIONS_VIOLATION',
  'ACCOUNT_EXPIRED',
  'AUTHENTICATION_TIMEOUT',
]);

function codeOf(error: unknown): string | undefined {
  const inner = error instanceof NatsNotConnected ? error.cause : error;
  return typeof inner === 'object' && inner !== null && 'code' in inner ? String((inner as { code: unknown }).code) : undefined;
}

function apiCodeOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('api_error' in error)) return undefined;
  const api = (error as { api_error?: { code?: unknown } }).api_error;
  return typeof api?.code === 'number' ? api.code : undefined;
}

function failureOf(error: unknown): SourceFailure {
  const code = codeOf(error);
  if (code !== undefined && AUTH_CODES.has(code)) return 'auth';
  if (code === 'ENOENT' || code === 'EACCES') return 'auth'; // the credsFile cannot be read
  if (apiCodeOf(error) === 404 || /not found/i.test(errorMessage(error))) return 'not-found';
  if (error instanceof NatsNotConnected) return error.timedOut ? 'timeout' : 'unreachable';
  if (code === 'TIMEOUT') return 'timeout';
  if (code === 'CONNECTION_REFUSED' || code === 'CONNECTION_CLOSED' || code === 'DISCONNECT') return 'unreachable';
  return 'bad-response';
}

const HINTS: Record<SourceFailure, string> = {
  unreachable: 'is nats-server running and the URL right?',
  auth: 'check username/password, token or credsFile (use ${ENV} or ${file:/path})',
  'not-found': 'check the stream and consumer names (nats consumer ls STREAM)',
  'bad-response': 'is JetStream enabled on the server (nats-server -js)?',
  timeout: 'the server did not answer within the metric timeout',
};

const build = sourceErrorBuilder('nats', failureOf, HINTS);

export function natsSourceError(error: unknown, endpoint: NatsEndpoint, service: string, what: string): SourceError {
  return build(error, endpoint.url, [endpoint.password, endpoint.token], service, what);
}
