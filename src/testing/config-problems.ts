// What a config (or scenario) parse complains of, for tests: the ConfigError's problems, or none.
import { parseConfig } from '../agent/config-loader.js';
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

/** The problems of a one-service config whose metric block is `{source: kind, ...metric}`, one a line ('' for none). */
export function metricProblems(kind: string, metric: Readonly<Record<string, unknown>>): string {
  const service = { name: 'q', metric: { source: kind, ...metric }, target: { queueLength: 10 } };
  return configProblems(() => parseConfig({ capacity: 4, services: [service] })).join('\n');
}
