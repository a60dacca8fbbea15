// A benchmark: measured in the same run as its baseline, printed as a table with ratios.
import type { Logger } from '../log/logger.js';

export interface BenchRow {
  readonly [column: string]: string | number | null;
}

export interface BenchResult {
  readonly name: string;
  /** What was measured and against which baseline, in a sentence. */
  readonly summary: string;
  readonly rows: readonly BenchRow[];
  /** Anything skipped (a server that was not running), said out loud. */
  readonly notes?: readonly string[];
}

export interface BenchOptions {
  readonly json: boolean;
  readonly log: Logger;
  /** Set by the CLI: fewer trials for a quick look (e.g. in tests). */
  readonly quick: boolean;
  readonly args: Readonly<Record<string, string | boolean | undefined>>;
}

export interface Benchmark {
  readonly name: string;
  readonly description: string;
  run(options: BenchOptions): Promise<BenchResult>;
}
