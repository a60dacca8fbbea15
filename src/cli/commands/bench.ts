// `microscale bench [NAME...]`: runs benchmarks (all when none is named) and prints a table each.
// The bench (its harnesses, and the fakes and service starters they drive) is not part of dist/: the build
// compiles it into dist-bench/ (tsconfig.bench.json), and this command loads it from there when it runs.
// Nothing here imports bench/, not even a type, so dist/ never holds it (architecture.test.ts checks).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError, type Command } from 'commander';
import { silentLogger, type Logger } from '../../log/logger.js';
import { UsageError } from '../exit.js';
import { durationOption, integerOption, positiveIntegerOption } from '../options.js';

/** `--step-replicas`: 1 to 4, the range `bench kubernetes` takes (checked here too, so a bad value exits 2 before anything starts). */
function stepReplicasOption(value: string): number {
  const n = positiveIntegerOption(value);
  if (n > 4) throw new InvalidArgumentError(`"${value}" is more than 4; the step and the floor each scale 0 -> n with n from 1 to 4.`);
  return n;
}

/** What the command uses of bench/index.ts (its types are bench/types.ts; cli/bench-load.test.ts checks they agree). */
export interface BenchModule {
  readonly benchmarks: readonly {
    readonly name: string;
    readonly description: string;
    readonly flags?: readonly string[];
    check?(args: BenchArgs): readonly string[];
    run(options: { readonly json: boolean; readonly log: Logger; readonly quick: boolean; readonly args: BenchArgs }): Promise<BenchResult>;
  }[];
  formatTable(result: BenchResult): string;
}

type BenchArgs = Readonly<Record<string, string | boolean | undefined>>;

/** The flag each bench arg comes from. */
const FLAG_OF: Readonly<Record<string, string>> = {
  out: '--out',
  duration: '--duration',
  seed: '--seed',
  cases: '--cases',
  trials: '--trials',
  stepReplicas: '--step-replicas',
};

/**
 * What is wrong with the flags for the chosen benchmarks, before any runs: each one's own check (`bench
 * demo --cases zzz`), and a flag given on the command line that none of them reads (`bench arbiter --cases
 * a-push`), which would be ignored silently.
 */
export function benchFlagProblems(
  chosen: BenchModule['benchmarks'],
  all: BenchModule['benchmarks'],
  args: BenchArgs,
  given: readonly string[],
): string[] {
  const problems = chosen.flatMap((b) => b.check?.(args) ?? []);
  for (const key of given) {
    if (!(key in FLAG_OF) || chosen.some((b) => b.flags?.includes(key))) continue;
    const readers = all.filter((b) => b.flags?.includes(key)).map((b) => b.name);
    const flag = `${FLAG_OF[key] ?? key} ${String(args[key])}${key === 'duration' ? 'ms' : ''}`;
    const names = chosen.map((b) => b.name).join(', ');
    problems.push(
      `${flag}: ${names} ${chosen.length === 1 ? 'does' : 'do'} not read it; ` +
        `it is for ${readers.join(', ') || 'no benchmark'}: drop it, or name ${readers.join(' or ') || 'one that reads it'}`,
    );
  }
  return problems;
}

/** One benchmark's result (bench/types.ts BenchResult): printed as a table, or as JSON. */
interface BenchResult {
  readonly name: string;
  readonly summary: string;
  readonly rows: readonly { readonly [column: string]: string | number | null }[];
  readonly notes?: readonly string[];
}

/**
 * The bench: from the sources when this runs from them (tests, tsx), else from dist-bench/ beside dist/.
 * A missing dist-bench/ is an error that says how to build it.
 */
export async function loadBench(): Promise<BenchModule> {
  const fromSources = import.meta.url.endsWith('.ts');
  const index = new URL(fromSources ? '../../bench/index.ts' : '../../../dist-bench/bench/index.js', import.meta.url);
  if (!existsSync(fileURLToPath(index))) {
    throw new Error(
      `the benchmarks are not built (${fileURLToPath(index)} is missing); run \`npm run build\`, which builds them into dist-bench/`,
    );
  }
  return (await import(index.href)) as BenchModule;
}

interface BenchCliOptions {
  readonly json?: boolean;
  readonly quick?: boolean;
  readonly out?: string;
  readonly duration?: number;
  readonly seed?: number;
  readonly cases?: string;
  readonly trials?: number;
  readonly stepReplicas?: number;
}

export function registerBench(program: Command): void {
  const command = program
    .command('bench')
    .description('run benchmarks, each against its baseline in the same run')
    .argument('[names...]', 'which to run (listed below; default: all)')
    .option('--json', 'print the results as JSON')
    .option('--quick', 'fewer trials, for a quick look')
    .option('--out <dir>', 'where benchmarks write files (control: SVG plots)', 'bench-out')
    .option('--duration <time>', 'demo: how long each case replays demand (default 60s; issue 15 ran 131s)', durationOption)
    .option('--seed <n>', 'demo: the seed of the random-walk demand (default 1)', integerOption)
    .option(
      '--trials <n>',
      'kubernetes: paired trials per mode (default 20; --quick 3); docker-start: rounds (default 20; --quick 3)',
      positiveIntegerOption,
    )
    .option('--step-replicas <n>', 'kubernetes: the step and the floor each scale 0 -> n (1-4; default 2)', stepReplicasOption)
    .option(
      '--cases <ids>',
      'demo: which cases, in order, comma-separated (a-push-noprep, a-push-nopre, a-push, a-http, b-http, b-push; ' +
        'extras on network none: a-push-netnone, b-push-netnone; default all but the extras; repeat one to interleave)',
    )
    .allowUnknownOption(false);
  let bench: BenchModule | undefined;
  // Loaded only when `bench` is the command (before its --help is shown, which lists the benchmarks).
  program.hook('preSubcommand', async (_program, subcommand) => {
    if (subcommand !== command) return;
    bench = await loadBench();
    const { benchmarks } = bench;
    command.addHelpText(
      'after',
      `\nBenchmarks:\n${benchmarks.map((b) => `  ${b.name.padEnd(10)} ${b.description}`).join('\n')}\n\n` +
        `Examples:\n  microscale bench\n  microscale bench arbiter --json\n  microscale bench demo --duration 131s`,
    );
  });
  command.action(async (names: string[], options: BenchCliOptions) => {
    const { benchmarks, formatTable } = bench ?? (await loadBench());
    const unknown = names.filter((n) => !benchmarks.some((b) => b.name === n));
    if (unknown.length > 0)
      throw new UsageError(`unknown benchmark ${unknown.join(', ')}; choose from ${benchmarks.map((b) => b.name).join(', ')}`);
    const chosen = names.length > 0 ? benchmarks.filter((b) => names.includes(b.name)) : benchmarks;
    const args: BenchArgs = {
      out: options.out,
      duration: options.duration === undefined ? undefined : String(options.duration),
      seed: options.seed === undefined ? undefined : String(options.seed),
      cases: options.cases,
      trials: options.trials === undefined ? undefined : String(options.trials),
      stepReplicas: options.stepReplicas === undefined ? undefined : String(options.stepReplicas),
    };
    const given = Object.keys(args).filter((key) => command.getOptionValueSource(key) === 'cli');
    const problems = benchFlagProblems(chosen, benchmarks, args, given);
    if (problems.length > 0) throw new UsageError(problems.join('\n'));
    const results: BenchResult[] = [];
    for (const benchmark of chosen) {
      const result = await benchmark.run({ json: options.json ?? false, quick: options.quick ?? false, log: silentLogger(), args });
      results.push(result);
      if (!options.json) console.log(`${formatTable(result)}\n`);
    }
    if (options.json) console.log(JSON.stringify(results, null, 2));
  });
}
