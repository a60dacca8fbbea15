// One builder for the SourceErrors of the sources that hold a connection (redis, rabbitmq, nats): the
// failure sorted from what the driver threw, the server named without credentials, secrets scrubbed from
// what the driver said, and a hint on what to check.
import { SourceError, type SourceFailure, errorMessage } from '../../errors.js';
import { redactUrl, scrub, urlSecrets } from './redact.js';

/** Builds a source's SourceError: `url` is the server's, `secrets` what must never be printed. */
export type SourceErrorBuilder = (
  error: unknown,
  url: string,
  secrets: readonly (string | undefined)[],
  service: string,
  what: string,
) => SourceError;

export function sourceErrorBuilder(
  kind: string,
  failureOf: (error: unknown) => SourceFailure,
  hints: Readonly<Record<SourceFailure, string>>,
): SourceErrorBuilder {
  return (error, url, secrets, service, what) => {
    if (error instanceof SourceError) return error;
    const failure = failureOf(error);
    const said = scrub(errorMessage(error), [...urlSecrets(url), ...secrets]);
    return new SourceError(failure, kind, service, `${what} on ${redactUrl(url)}: ${said} (${hints[failure]})`);
  };
}
