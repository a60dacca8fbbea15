// `microscale simulate`: replays a trace against a scenario with one policy, faster than real time,
// and prints the score (a table, or JSON with --json), optionally an SVG plot.
import { writeFile } from 'node:fs/promises';
import { InvalidArgumentError, type Command } from 'commander';
import { plotRun } from '../../simulator/plot.js';
import { createPolicy } from '../../simulator/policies/index.js';
import { POLICY_NAMES, type PolicyName } from '../../simulator/policy.js';
import { simulate } from '../../simulator/run.js';
import type { Score } from '../../simulator/score.js';
import { ConfigError } from '../../errors.js';
import { loadTrace, TraceError } from '../../simulator/trace.js';
import { UsageError } from '../exit.js';

interface SimulateCliOptions {
  readonly config: string;
  readonly trace: string;
  readonly policy: PolicyName;
  readonly json?: boolean;
  readonly plot?: string;
  readonly static?: Map<string, number>;
}

function policyOption(value: string): PolicyName {
  if (!(POLICY_NAMES as readonly string[]).includes(value))
    throw new InvalidArgumentError(`"${value}" is not a policy; choose one of ${POLICY_NAMES.join(', ')}.`);
  return value as PolicyName;
}

function staticOption(value: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const part of value.split(',')) {
    const [name, count] = part.split('=');
    const n = Number(count);
    if (!name || !Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`"${part}" is not service=count; write it like orders=8.`);
    counts.set(name, n);
  }
  return counts;
}

export function scoreJson(score: Score): string {
  return JSON.stringify({
    policy: score.policy,
    durationS: score.durationS,
    capacity: score.capacity,
    services: score.services.map((s) => ({
      name: s.name,
      priority: s.priority,
      slaViolationS: s.slaViolationS,
      meanQueue: s.meanQueue,
      p95Queue: s.p95Queue,
      meanDistance: s.meanDistance,
      started: s.started,
      containerSeconds: s.containerSeconds,
    })),
    utilization: score.utilization,
  });
}

function scoreText(score: Score): string {
  const lines = [
    `policy ${score.policy}: ${score.durationS} s simulated, pool of ${score.capacity}, ` +
      `utilisation ${(score.utilization * 100).toFixed(1)} %`,
  ];
  for (const s of score.services) {
    const queue = s.queued
      ? `SLA violated ${s.slaViolationS.toFixed(1)} s, queue mean ${s.meanQueue.toFixed(1)} p95 ${s.p95Queue.toFixed(0)}` +
        (s.meanDistance === null ? '' : `, mean distance from target ${s.meanDistance.toFixed(1)}`)
      : 'background (remainder)';
    lines.push(`  P${s.priority} ${s.name}: ${queue}, ${s.started} started, ${(s.containerSeconds / 3600).toFixed(2)} container-hours`);
  }
  return lines.join('\n');
}

async function run(options: SimulateCliOptions): Promise<void> {
  // Loaded here, not with the command line: the scenario's config loader loads every engine and source kind.
  const { checkTraceColumns, loadScenario } = await import('../../simulator/scenario.js');
  const scenario = await loadScenario(options.config);
  let trace;
  try {
    trace = await loadTrace(options.trace);
  } catch (error) {
    if (error instanceof TraceError) throw new UsageError(error.message);
    throw error;
  }
  try {
    checkTraceColumns(scenario, trace, options.trace);
  } catch (error) {
    // The problem is in the scenario (its simulation.column): name that file, as validate does.
    throw error instanceof ConfigError && error.file === undefined ? new ConfigError(error.problems, options.config, error.lines) : error;
  }
  for (const name of options.static?.keys() ?? []) {
    if (!scenario.services.some((s) => s.config.name === name))
      throw new UsageError(`--static names "${name}", which is not a service of ${options.config}`);
  }
  const policy = createPolicy(options.policy, { scenario, trace, staticCounts: options.static });
  const result = simulate(
    scenario,
    trace,
    policy,
    options.plot ? { sampleEveryS: Math.max(scenario.config.intervalMs / 1000, trace.durationS / 1500) } : {},
  );
  if (options.plot) await writeFile(options.plot, plotRun(scenario, result, `${options.policy} on ${options.trace}`));
  console.log(options.json ? scoreJson(result.score) : scoreText(result.score));
}

export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description('replay a demand trace against a scenario with one policy, faster than real time, and score it')
    .requiredOption('-c, --config <file>', 'the scenario: a sim-engine config with a simulation: block per queue service')
    .requiredOption('--trace <file>', 'trace CSV: t_s, then one arrival-rate column per service')
    .option('--policy <name>', POLICY_NAMES.join(' | '), policyOption, 'microscale')
    .option('--static <counts>', 'for --policy static: fixed counts, e.g. orders=8 (default: sized for the p95 rate + 20 %)', staticOption)
    .option('--json', 'print the score as JSON')
    .option('--plot <file.svg>', 'also write an SVG of queue and containers over time')
    .addHelpText(
      'after',
      '\nExamples:\n  microscale simulate -c traces/scenario.yaml --trace traces/step.csv\n' +
        '  microscale simulate -c traces/scenario.yaml --trace traces/spike.csv --policy hpa --json --plot hpa.svg',
    )
    .action(async (options: SimulateCliOptions) => run(options));
}
