// `microscale bench [NAME...]`: runs benchmarks (all when none is named) and prints a table each.
import type { Command } from 'commander';
import { benchmarks } from '../../bench/index.js';
import { formatTable } from '../../bench/table.js';
import type { BenchResult } from '../../bench/types.js';
import { silentLogger } from '../../log/logger.js';
import { UsageError } from '../exit.js';
import { durationOption, integerOption } from '../options.js';

interface BenchCliOptions {
  readonly json?: boolean;
  readonly quick?: boolean;
  readonly out?: string;
  readonly duration?: number;
  readonly seed?: number;
  readonly cases?: string;
}

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('run benchmarks, each against its baseline in the same run')
    .argument('[names...]', `which to run: ${benchmarks.map((b) => b.name).join(', ')} (default: all)`)
    .option('--json', 'print the results as JSON')
    .option('--quick', 'fewer trials, for a quick look')
    .option('--out <dir>', 'where benchmarks write files (control: SVG plots)', 'bench-out')
    .option('--duration <time>', 'demo: how long each case replays demand (default 60s; issue 15 ran 131s)', durationOption)
    .option('--seed <n>', 'demo: the seed of the random-walk demand (default 1)', integerOption)
    .option(
      '--cases <ids>',
      'demo: which cases, in order, comma-separated (a-push-noprep, a-push, a-http, b-http; default all; repeat one to interleave)',
    )
    .allowUnknownOption(false)
    .addHelpText(
      'after',
      `\nBenchmarks:\n${benchmarks.map((b) => `  ${b.name.padEnd(10)} ${b.description}`).join('\n')}\n\nExamples:\n  microscale bench\n  microscale bench arbiter --json\n  microscale bench demo --duration 131s`,
    )
    .action(async (names: string[], options: BenchCliOptions) => {
      const unknown = names.filter((n) => !benchmarks.some((b) => b.name === n));
      if (unknown.length > 0)
        throw new UsageError(`unknown benchmark ${unknown.join(', ')}; choose from ${benchmarks.map((b) => b.name).join(', ')}`);
      const chosen = names.length > 0 ? benchmarks.filter((b) => names.includes(b.name)) : benchmarks;
      const results: BenchResult[] = [];
      for (const benchmark of chosen) {
        const result = await benchmark.run({
          json: options.json ?? false,
          quick: options.quick ?? false,
          log: silentLogger(),
          args: {
            out: options.out,
            duration: options.duration === undefined ? undefined : String(options.duration),
            seed: options.seed === undefined ? undefined : String(options.seed),
            cases: options.cases,
          },
        });
        results.push(result);
        if (!options.json) console.log(`${formatTable(result)}\n`);
      }
      if (options.json) console.log(JSON.stringify(results, null, 2));
    });
}
