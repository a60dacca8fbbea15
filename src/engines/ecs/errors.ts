// Turns what the AWS SDK throws for ECS calls into EngineErrors with the right `failure`. The SDK names
// each error after the service's __type (ServiceNotFoundException, ThrottlingException, ...), whether or
// not ECS models it, so the name is what is read here.
import { EngineError, errorMessage, type EngineFailure } from '../../errors.js';

const BY_NAME: Readonly<Record<string, EngineFailure>> = {
  UnrecognizedClientException: 'auth',
  InvalidSignatureException: 'auth',
  AccessDeniedException: 'auth',
  ExpiredTokenException: 'auth',
  InvalidClientTokenId: 'auth',
  MissingAuthenticationTokenException: 'auth',
  CredentialsProviderError: 'auth',
  ServiceNotFoundException: 'not-found',
  ServiceNotActiveException: 'not-found',
  ClusterNotFoundException: 'not-found',
  ThrottlingException: 'throttled',
  TooManyRequestsException: 'throttled',
  RequestLimitExceeded: 'throttled',
  ServerException: 'unreachable',
  ServiceUnavailableException: 'unreachable',
};

const HINTS: Partial<Record<EngineFailure, string>> = {
  auth:
    'check the AWS credentials microscale runs with (environment, profile or role) ' +
    'and that they allow ecs:DescribeServices and ecs:UpdateService',
  'not-found': 'check ecsService and cluster in the config, and the region',
  throttled: 'ECS is rate-limiting microscale; retrying with backoff; a longer interval helps',
};

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ETIMEDOUT', 'EPIPE']);

export function ecsEngineError(
  error: unknown,
  context: { operation: string; service: string; timedOut: boolean; timeoutMs: number },
): EngineError {
  const { operation, service } = context;
  if (context.timedOut) return new EngineError('timeout', 'ecs', `${operation} gave no answer within ${context.timeoutMs}ms`, service);
  const name = error instanceof Error ? error.name : '';
  const code = (error as { code?: unknown } | null)?.code;
  const status = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  // A batched read is cut by the first reader's timer, so the others see the abort before their own fires.
  if (name === 'AbortError' || name === 'TimeoutError')
    return new EngineError('timeout', 'ecs', `${operation} gave no answer within ${context.timeoutMs}ms`, service);
  let failure: EngineFailure | undefined = BY_NAME[name];
  if (!failure && typeof code === 'string' && NETWORK_CODES.has(code)) failure = 'unreachable';
  if (!failure && status !== undefined && status >= 500) failure = 'unreachable';
  if (!failure && status === undefined && !(name.endsWith('Exception') || name.endsWith('Error'))) failure = 'unreachable';
  failure ??= 'refused';
  const hint = HINTS[failure];
  return new EngineError(
    failure,
    'ecs',
    `${operation}: ${name && name !== 'Error' ? `${name}: ` : ''}${errorMessage(error)}${hint ? ` (${hint})` : ''}`,
    service,
  );
}
