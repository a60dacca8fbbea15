// Parsers for command-line values, with errors that name the flag, the value and the fix (commander
// prefixes each message with the flag and the value: "option '--interval <time>' argument '5ms' is invalid.").
import { InvalidArgumentError } from 'commander';
import { parseListen } from '../api/server.js';
import { parseDurationMs } from '../config/duration.js';
import { MAX_DURATION_MS } from '../config/fields.js';

/** The shortest tick interval a config may set (`interval:`, schema.ts), so `--interval` takes the same. */
export const MIN_INTERVAL_MS = 10;

export function durationOption(value: string): number {
  const ms = parseDurationMs(value);
  if (ms === undefined) throw new InvalidArgumentError(`"${value}" is not a duration; write it like 500ms, 30s or 2m.`);
  // Node fires a longer timer after 1 ms (TimeoutOverflowWarning): `--duration 1000h` would stop at once.
  if (ms > MAX_DURATION_MS)
    throw new InvalidArgumentError(
      `"${value}" is longer than ${MAX_DURATION_MS / 3_600_000}h, the longest a timer can wait; write a shorter one.`,
    );
  return ms;
}

/** `--interval`: a duration of at least MIN_INTERVAL_MS, like the config's `interval:`. */
export function intervalOption(value: string): number {
  const ms = durationOption(value);
  if (ms < MIN_INTERVAL_MS)
    throw new InvalidArgumentError(
      `"${value}" is shorter than ${MIN_INTERVAL_MS}ms, the shortest tick interval; write ${MIN_INTERVAL_MS}ms or more, e.g. 500ms.`,
    );
  return ms;
}

export function integerOption(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`"${value}" is not a whole number >= 0.`);
  return n;
}

/** A count that must be at least 1 (`--sla N`: a queue bound of 0 promises nothing). */
export function positiveIntegerOption(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`"${value}" is not a whole number >= 1.`);
  return n;
}

/** `--listen host:port`, checked when the flags are read (before anything starts); the text is kept as given. */
export function listenOption(value: string): string {
  try {
    parseListen(value);
  } catch {
    throw new InvalidArgumentError(`"${value}" is not host:port; write it like 127.0.0.1:8321, [::1]:8321 or 127.0.0.1:0 (any free port).`);
  }
  return value;
}
