// One error class per kind of failure. Each message names what failed, where, and what to do.

export class MicroscaleError extends Error {
  override readonly name: string = 'MicroscaleError';
}

/** A config that failed validation: every problem at once, each with its YAML path (and its line, when read from a file). */
export class ConfigError extends MicroscaleError {
  override readonly name = 'ConfigError';
  constructor(
    readonly problems: readonly string[],
    readonly file?: string,
    /** The line of each problem in the file, by index, where known. */
    readonly lines: readonly (number | undefined)[] = [],
  ) {
    const shown = problems.map((problem, i) => (lines[i] === undefined ? problem : `line ${lines[i]}: ${problem}`));
    super(`${file ? `${file}: ` : ''}${problems.length} problem${problems.length === 1 ? '' : 's'}:\n  ${shown.join('\n  ')}`);
  }
}

export type SourceFailure = 'unreachable' | 'auth' | 'not-found' | 'bad-response' | 'timeout';

/** A metric could not be read. Never carries credentials. */
export class SourceError extends MicroscaleError {
  override readonly name = 'SourceError';
  constructor(
    readonly failure: SourceFailure,
    readonly source: string,
    readonly service: string,
    detail: string,
  ) {
    super(`${source} source for service "${service}": ${failure}: ${detail}`);
  }
}

export type EngineFailure = 'unreachable' | 'refused' | 'not-found' | 'conflict' | 'throttled' | 'auth' | 'timeout';

/** The orchestrator could not be read or refused a change. */
export class EngineError extends MicroscaleError {
  override readonly name = 'EngineError';
  constructor(
    readonly failure: EngineFailure,
    readonly engine: string,
    detail: string,
    readonly service?: string,
  ) {
    super(`${engine} engine${service ? ` (service "${service}")` : ''}: ${failure}: ${detail}`);
  }
}

/** A request without the right credentials. */
export class AuthError extends MicroscaleError {
  override readonly name = 'AuthError';
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
