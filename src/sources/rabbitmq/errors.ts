// Sorts what amqplib throws into SourceError failures. amqplib reports refusals as AMQP reply codes
// (403 ACCESS-REFUSED, 404 NOT-FOUND, 530 NOT-ALLOWED for a vhost) inside its messages.
import { errorMessage, type SourceError, type SourceFailure } from '../../errors.js';
import { sourceErrorBuilder } from '../shared/source-error.js';
import { AmqpNotConnected, type AmqpEndpoint } from './connection.js';

function failureOf(error: unknown): SourceFailure {
  const message = errorMessage(error);
  const code = typeof error === 'object' && error !== null && 'code' in error ? (error as { code: unknown }).code : undefined;
  if (code === 404 || /\b404\b.*NOT[-_]FOUND/.test(message)) return 'not-found';
  // RabbitMQ answers an unknown vhost (or one the user may not use) with 530 on connection.open, which
  // amqplib reports only as an unexpected ConnectionClose.
  if (/Expected ConnectionOpenOk/.test(message)) return 'not-found';
  if (code === 403 || /ACCESS[-_]REFUSED|\b403\b|\b530\b|NOT[-_]ALLOWED/.test(message)) return 'auth';
  if (error instanceof AmqpNotConnected) return error.timedOut ? 'timeout' : 'unreachable';
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|ECONNRESET|EAI_AGAIN|Connection closed|Channel ended/i.test(message))
    return 'unreachable';
  return 'bad-response';
}

const HINTS: Record<SourceFailure, string> = {
  unreachable: 'is the broker running and the URL right?',
  auth: 'check the user, password and its permissions on the vhost (use ${ENV} or ${file:/path})',
  'not-found': 'check the queue name and the vhost (the broker refuses a vhost that does not exist or that the user may not use)',
  'bad-response': 'unexpected answer from the broker',
  timeout: 'the broker did not answer within the metric timeout',
};

const build = sourceErrorBuilder('rabbitmq', failureOf, HINTS);

export function amqpSourceError(error: unknown, endpoint: AmqpEndpoint, service: string, what: string): SourceError {
  return build(error, endpoint.url, [endpoint.password], service, what);
}
