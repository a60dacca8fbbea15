// The real NASA-HTTP July 1995 traces in ../shared/traces (see its README): read from there (never
// copied into the repo), renamed onto the scenario's urgent service and scaled so their peak uses
// most of that service's share of the pool. Absent → said out loud by the caller, not an error.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTrace, scaleColumn, type Trace } from './trace.js';

export const NASA_FILES = ['trace-nasa-http-1995-07-05-per-minute.csv', 'trace-nasa-http-1995-07-busiest30min-per-second.csv'] as const;

/** MICROSCALE_SHARED, else ../shared beside the repository. */
export function sharedTracesDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MICROSCALE_SHARED) return join(env.MICROSCALE_SHARED, 'traces');
  const repo = resolve(fileURLToPath(new URL('../../', import.meta.url)));
  return join(repo, '..', 'shared', 'traces');
}

export interface NasaTrace {
  readonly name: string;
  readonly trace: Trace;
}

/** The NASA traces found, scaled to `peak` messages/s on `column`; the missing ones named in `missing`. */
export async function loadNasaTraces(
  column: string,
  peak: number,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ traces: NasaTrace[]; missing: string[] }> {
  const dir = sharedTracesDir(env);
  const traces: NasaTrace[] = [];
  const missing: string[] = [];
  for (const file of NASA_FILES) {
    const path = join(dir, file);
    if (!existsSync(path)) {
      missing.push(path);
      continue;
    }
    traces.push({
      name: file.replace('trace-nasa-', '').replace('.csv', ''),
      trace: scaleColumn(await loadTrace(path), 'rate', peak, column),
    });
  }
  return { traces, missing };
}
