// Parsers for command-line values, with errors that name the flag, the value and the fix.
import { InvalidArgumentError } from 'commander';
import { parseDurationMs } from '../config/duration.js';

export function durationOption(value: string): number {
  const ms = parseDurationMs(value);
  if (ms === undefined) throw new InvalidArgumentError(`"${value}" is not a duration; write it like 500ms, 30s or 2m.`);
  return ms;
}

export function integerOption(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`"${value}" is not a whole number >= 0.`);
  return n;
}
