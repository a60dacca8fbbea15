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
  | 'no-platform';

/** A reference that could not be parsed, or a registry / engine that could not give its image. */
export class RegistryError extends MicroscaleError {
  override readonly name = 'RegistryError';
  constructor(
    readonly failure: RegistryFailure,
    readonly reference: string,
    readonly detail: string,
  ) {
    super(`${reference}: ${failure}: ${detail}`);
  }
}
