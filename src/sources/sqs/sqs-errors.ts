// AWS SDK errors → SourceError kinds for the sqs source. The SDK names service errors by their AWS code
// (QueueDoesNotExist, InvalidClientTokenId, ...) and keeps the HTTP status in $metadata; network errors
// come through as Node socket errors; a missing credential chain is a CredentialsProviderError.
import type { SourceError } from '../../errors.js';
import type { FailureReporter } from '../shared/http-errors.js';

const NOT_FOUND = new Set(['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue', 'ResourceNotFoundException']);
const AUTH = new Set([
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'UnrecognizedClientException',
  'AccessDenied',
  'AccessDeniedException',
  'InvalidSecurity',
  'MissingAuthenticationToken',
  'ExpiredToken',
  'CredentialsProviderError',
]);

interface AwsErrorShape {
  readonly name?: unknown;
  readonly Code?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
}

export function classifySqsError(error: unknown, signal: AbortSignal, report: FailureReporter, where: string): SourceError {
  const shape = (error && typeof error === 'object' ? error : {}) as AwsErrorShape;
  const names = [shape.name, shape.Code].filter((n): n is string => typeof n === 'string');
  const status = typeof shape.$metadata?.httpStatusCode === 'number' ? shape.$metadata.httpStatusCode : undefined;
  if (names.some((n) => NOT_FOUND.has(n))) {
    return report.error('not-found', `${where}: the queue does not exist (or is in another region/account); check queue and region`);
  }
  if (names.includes('CredentialsProviderError')) {
    return report.error(
      'auth',
      `${where}: no AWS credentials found; set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile or a role, or credentials: in the metric`,
    );
  }
  if (names.some((n) => AUTH.has(n)) || status === 401 || status === 403) {
    return report.error(
      'auth',
      `${where}: AWS refused the credentials (${names[0] ?? `HTTP ${status}`}); ` +
        `check the key, its permissions (sqs:GetQueueAttributes) and the region`,
    );
  }
  return report.fromThrown(error, signal, where);
}
