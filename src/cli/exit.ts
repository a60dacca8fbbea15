// Exit codes every command shares: 0 ok, 1 runtime failure, 2 bad input (config, flags, reference).
import { ConfigError, errorMessage } from '../errors.js';

export const EXIT = { ok: 0, failure: 1, badInput: 2 } as const;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The exit code and the message a command that threw `error` ends with. */
export function verdictOf(error: unknown): { readonly exitCode: 1 | 2; readonly message: string } {
  if (error instanceof ConfigError) return { exitCode: EXIT.badInput, message: error.message };
  if (error instanceof UsageError) return { exitCode: EXIT.badInput, message: `error: ${error.message}` };
  return { exitCode: EXIT.failure, message: `error: ${errorMessage(error)}` };
}

/** Prints an error the way a person can act on it and sets the exit code. */
export function reportError(error: unknown): void {
  const { exitCode, message } = verdictOf(error);
  console.error(message);
  process.exitCode = exitCode;
}
