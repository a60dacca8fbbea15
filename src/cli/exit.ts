// Exit codes every command shares: 0 ok, 1 runtime failure, 2 bad input (config, flags, reference).
import { ConfigError, errorMessage } from '../errors.js';

export const EXIT = { ok: 0, failure: 1, badInput: 2 } as const;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Prints an error the way a person can act on it and sets the exit code. */
export function reportError(error: unknown): void {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exitCode = EXIT.badInput;
  } else if (error instanceof UsageError) {
    console.error(`error: ${error.message}`);
    process.exitCode = EXIT.badInput;
  } else {
    console.error(`error: ${errorMessage(error)}`);
    process.exitCode = EXIT.failure;
  }
}
