// The one error class of the metadata module: every failure names the image reference it was about.
import { MicroscaleError } from '../errors.js';

export type RegistryFailure =
  | 'bad-reference'
  | 'auth'
  | 'not-found'
  | 'timeout'
  | 'unreachable'
  | 'bad-response'
  | 'digest-mismatch'
  | 'no-platform'
  | 'rate-limited'
  | 'too-large';

/** A reference that could not be parsed, or a registry / engine that could not give its image. */
export class RegistryError extends MicroscaleError {
  override readonly name = 'RegistryError';
  constructor(
    readonly failure: RegistryFailure,
    readonly reference: string,
    readonly detail: string,
    /** For 'rate-limited': how long the registry asked to wait (its Retry-After), when it said. */
    readonly retryAfterMs?: number,
  ) {
    super(`${reference}: ${failure}: ${detail}`);
  }
}
