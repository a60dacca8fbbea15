// `microscale trace gen`: writes a demand trace CSV (t_s, then one rate column) for `simulate`, or with
// --shipped DIR regenerates the traces shipped in traces/.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { formatDurationMs } from '../../config/duration.js';
import { formatTrace } from '../../simulator/trace.js';
import { generateTrace, SHAPES, SHIPPED, type Shape } from '../../simulator/trace-gen.js';
import { UsageError } from '../exit.js';
import { durationOption, integerOption } from '../options.js';

interface GenCliOptions {
  readonly shape: Shape;
  readonly column: string;
  readonly duration: number;
  readonly row: number;
  readonly low: number;
  readonly high: number;
  readonly period?: number;
  readonly at?: number;
  readonly width?: number;
  readonly seed?: number;
  readonly output?: string;
  readonly shipped?: string;
}

function rateOption(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0)
    throw new InvalidArgumentError(`"${value}" is not a rate; write a number of messages/s >= 0, like 20 or 12.5.`);
  return n;
}

function shapeOption(value: string): Shape {
  if (!(SHAPES as readonly string[]).includes(value))
    throw new InvalidArgumentError(`"${value}" is not a shape; choose one of ${SHAPES.join(', ')}.`);
  return value as Shape;
}

/** Rows one trace may have: 24 h at 20 ms. More is a typo (a row of 1ms), and would fill the memory first. */
export const MAX_TRACE_ROWS = 5_000_000;

/** The flags that only make sense together, checked before anything is written (exit 2, naming the flags). */
export function checkGenFlags(options: Pick<GenCliOptions, 'duration' | 'row' | 'low' | 'high'>): void {
  if (options.duration <= 0)
    throw new UsageError(`--duration: expected a length > 0, got ${formatDurationMs(options.duration)}; e.g. --duration 30m`);
  if (options.row <= 0)
    throw new UsageError(`--row: expected a time > 0 between rows, got ${formatDurationMs(options.row)}; e.g. --row 10s`);
  const rows = Math.ceil(options.duration / options.row);
  if (rows > MAX_TRACE_ROWS)
    throw new UsageError(
      `--duration ${formatDurationMs(options.duration)} at --row ${formatDurationMs(options.row)} makes ${rows} rows, ` +
        `more than ${MAX_TRACE_ROWS}; raise --row or shorten --duration`,
    );
  if (options.low > options.high)
    throw new UsageError(
      `--low ${options.low} is above --high ${options.high}; the base rate must be at most the peak: raise --high or lower --low`,
    );
}

async function generate(options: GenCliOptions): Promise<void> {
  if (options.shipped) {
    await mkdir(options.shipped, { recursive: true });
    for (const { file, ...gen } of SHIPPED) await writeFile(join(options.shipped, file), formatTrace(generateTrace(gen)));
    console.error(`wrote ${SHIPPED.map((s) => s.file).join(', ')} to ${options.shipped}`);
    return;
  }
  checkGenFlags(options);
  const ms = (value: number | undefined): number | undefined => (value === undefined ? undefined : value / 1000);
  const text = formatTrace(
    generateTrace({
      shape: options.shape,
      column: options.column,
      durationS: options.duration / 1000,
      rowS: options.row / 1000,
      low: options.low,
      high: options.high,
      periodS: ms(options.period),
      atS: ms(options.at),
      widthS: ms(options.width),
      seed: options.seed,
    }),
  );
  if (options.output) await writeFile(options.output, text);
  else process.stdout.write(text);
}

export function registerTrace(program: Command): void {
  const trace = program
    .command('trace')
    .description('demand traces for the simulator')
    .addHelpText('after', '\nExample:\n  microscale trace gen --shape spike --high 180 -o spike.csv');
  trace
    .command('gen')
    .description('write a trace CSV: t_s, then the arrival rate (messages/s) of one service')
    .option('--shape <shape>', `${SHAPES.join(' | ')}`, shapeOption, 'step')
    .option('--column <name>', 'the rate column: the service it feeds', 'orders')
    .addOption(new Option('--duration <time>', 'length of the trace').argParser(durationOption).default(1_800_000, '30m'))
    .addOption(
      new Option('--row <time>', 'time between rows (for randomwalk: between steps)').argParser(durationOption).default(10_000, '10s'),
    )
    .option('--low <rate>', 'base rate, messages/s', rateOption, 20)
    .option('--high <rate>', 'peak rate, messages/s', rateOption, 150)
    .option('--period <time>', 'period of sine and sawtooth', durationOption)
    .option('--at <time>', 'when the step or spike happens (default: a third of the way in)', durationOption)
    .option('--width <time>', 'how long the spike lasts (default 60s)', durationOption)
    .option('--seed <n>', 'seed of the random walk', integerOption)
    .option('-o, --output <file>', 'write here instead of stdout')
    .option('--shipped <dir>', 'regenerate every trace shipped in traces/ into DIR')
    .addHelpText(
      'after',
      '\nExamples:\n  microscale trace gen --shape spike --high 180 -o spike.csv\n' +
        '  microscale trace gen --shape sine --duration 24h --row 1m --period 24h\n  microscale trace gen --shipped traces/',
    )
    .action(async (options: GenCliOptions) => generate(options));
}
