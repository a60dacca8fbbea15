// What a config (or scenario) parse complains of, for tests: the ConfigError's problems, or none.
import { ConfigError } from '../errors.js';

export function configProblems(parse: () => unknown): string[] {
  try {
    parse();
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}
