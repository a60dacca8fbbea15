// Azure SDK errors → SourceError kinds for the azure-queue source. The SDK throws a RestError carrying
// the HTTP status and the storage error code (QueueNotFound, AuthenticationFailed, ...); socket failures
// come through as RestError with the Node code (ECONNREFUSED) and no status.
import type { SourceError } from '../../errors.js';
import type { FailureReporter } from '../shared/http-errors.js';

interface RestErrorShape {
  readonly statusCode?: unknown;
  readonly code?: unknown;
}

export function classifyAzureError(error: unknown, signal: AbortSignal, report: FailureReporter, where: string): SourceError {
  const shape = (error && typeof error === 'object' ? error : {}) as RestErrorShape;
  const status = typeof shape.statusCode === 'number' ? shape.statusCode : undefined;
  const code = typeof shape.code === 'string' ? shape.code : undefined;
  if (status === 404 || code === 'QueueNotFound') {
    return report.error('not-found', `${where}: the queue does not exist; check the name, or create it`);
  }
  if (status === 401 || status === 403) {
    return report.error(
      'auth',
      `${where}: the storage service refused the credentials (${code ?? `HTTP ${status}`}); check the account key or SAS`,
    );
  }
  return report.fromThrown(error, signal, where);
}
