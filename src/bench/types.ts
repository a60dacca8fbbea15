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
  /** The `args` it reads (the CLI's flags, camelCased): a flag that no chosen benchmark reads is refused. */
  readonly flags?: readonly string[];
  /**
   * What is wrong with its `args`, one line per flag naming it, the value as given and the fix: the CLI
   * refuses them (exit 2, bad input) before any benchmark runs.
   */
  check?(args: BenchOptions['args']): readonly string[];
  run(options: BenchOptions): Promise<BenchResult>;
}
