// `microscale demo`: the classic microscaling demo on the embedded sim engine. A pool of 9 shared by a
// priority-1 service whose demand wanders randomly (±3 every 3 s, within 0..9) and a priority-2
// background service that fills the rest.
import { InvalidArgumentError, type Command } from 'commander';
import { Agent } from '../../agent/agent.js';
import type { TickRecord } from '../../agent/records.js';
import { createEngine } from '../../agent/wiring.js';
import { parseDocument } from '../../agent/config-file.js';
import type { MicroscaleConfig } from '../../config/schema.js';
import { createLogger, silentLogger } from '../../log/logger.js';
import { runUntilStopped, startApi, type ApiFlags } from '../lifecycle.js';
import { durationOption, integerOption, intervalOption, listenOption, positiveIntegerOption } from '../options.js';
import { runDockerDemo } from './demo-docker.js';
import { UsageError } from '../exit.js';
import { scoreDemo, scoreLine } from './demo-score.js';

export interface DemoOptions extends ApiFlags {
  readonly duration?: number;
  readonly seed?: number;
  readonly json?: boolean;
  readonly interval?: number;
  readonly verbose?: boolean;
  readonly summary?: boolean;
}

export function demoConfig(options: Pick<DemoOptions, 'seed' | 'interval'>): Promise<MicroscaleConfig> {
  return parseDocument({
    engine: { kind: 'sim', startLatency: '300ms', stopLatency: '50ms', removeLatency: '150ms' },
    capacity: 9,
    interval: `${options.interval ?? 500}ms`,
    services: [
      {
        name: 'priority1',
        priority: 1,
        min: 0,
        max: 9,
        metric: { source: 'random', min: 0, max: 9, step: 3, every: '3s', ...(options.seed === undefined ? {} : { seed: options.seed }) },
        target: 'direct',
        stopGracePeriod: '1s',
      },
      { name: 'priority2', priority: 2, min: 0, max: 9, target: 'remainder', stopGracePeriod: '1s' },
    ],
  });
}

/** One JSON object per tick: the contract other tools read (t, capacity, services[]). */
export function tickJson(tick: TickRecord): string {
  return JSON.stringify({
    t: Number(tick.t.toFixed(3)),
    capacity: tick.capacity,
    used: tick.used,
    services: tick.services.map((s) => ({
      name: s.name,
      priority: s.priority,
      demand: s.demand,
      desired: s.desired,
      running: s.running,
      starting: s.starting,
      stopping: s.stopping,
      prepared: s.prepared ?? 0,
    })),
  });
}

/** One compact line per tick: demand, P1 running/starting, P2 running, pool use. */
export function tickLine(tick: TickRecord): string {
  const parts = tick.services.map((s) => {
    const flight = [
      s.starting ? ` +${s.starting} starting` : '',
      s.stopping ? ` -${s.stopping} stopping` : '',
      s.prepared ? ` (${s.prepared} prepared)` : '',
    ].join('');
    const demand = s.demand === null ? '' : ` demand ${s.demand}`;
    return `P${s.priority} ${s.name}:${demand} running ${s.running}${flight}`;
  });
  return `t=${tick.t.toFixed(1).padStart(6)}s  ${parts.join(' | ')} | pool ${tick.used}/${tick.capacity}`;
}

export async function runDemo(options: DemoOptions): Promise<void> {
  const config = await demoConfig(options);
  const log = options.verbose ? createLogger('info') : silentLogger();
  const engine = await createEngine(config, { log, nowMs: Date.now });
  const agent = new Agent(config, { engine, log });
  const ticks: TickRecord[] = [];
  agent.on('tick', (tick) => {
    if (options.summary) ticks.push(tick);
    console.log(options.json ? tickJson(tick) : tickLine(tick));
  });
  if (!options.json)
    console.error(`microscale demo: pool of ${config.capacity}, sim engine, tick every ${config.intervalMs}ms. Ctrl-C to stop.`);
  const api = await startApi(agent, config, options, log);
  if (api) console.error(`microscale demo: dashboard at ${api.url}`);
  await runUntilStopped(agent, options.duration, async () => api?.close());
  if (options.summary) console.error(scoreLine(scoreDemo(ticks)));
}

function engineChoice(value: string): 'sim' | 'docker' {
  if (value === 'sim' || value === 'docker') return value;
  throw new InvalidArgumentError(`expected sim or docker, got "${value}"`);
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run the classic microscaling demo on the embedded sim engine with random demand')
    .option('--duration <time>', 'stop after this long (e.g. 30s, 2m); default: until Ctrl-C', durationOption)
    .option('--seed <n>', 'seed for the random demand, to make a run repeatable', integerOption)
    .option('--interval <time>', 'time between ticks (at least 10ms; default 500ms)', intervalOption)
    .option('--json', 'print one JSON object per tick instead of a line')
    .option('--verbose', "also write the agent's JSON logs to stderr")
    .option('--summary', 'at the end, print the time-weighted score to stderr (P1 demand met, pool full, over capacity)')
    .option(
      '--listen <host:port>',
      'where the API and dashboard listen (default 127.0.0.1:8321; 127.0.0.1:0 for any free port)',
      listenOption,
    )
    .option('--no-api', 'do not start the API and dashboard')
    .option(
      '--engine <kind>',
      'sim (default: simulated containers) or docker (real containers, a producer and Redis on 127.0.0.1:6379)',
      engineChoice,
      'sim',
    )
    .option(
      '--sla <n>',
      'with --engine docker: the consumers keep the Redis queue under N with the fewest containers (target {sla: {queueLength: N}}) ' +
        'instead of holding it near 20',
      positiveIntegerOption,
    )
    .addHelpText(
      'after',
      '\nExamples:\n  microscale demo\n  microscale demo --duration 30s --seed 7 --json\n  microscale demo --engine docker --sla 100',
    )
    .action(async (options: DemoOptions & { engine: 'sim' | 'docker'; sla?: number }) => {
      if (options.sla !== undefined && options.engine !== 'docker')
        throw new UsageError(
          '--sla is for --engine docker (the sim demo reads its demand in containers, not a queue); add --engine docker or drop --sla',
        );
      return options.engine === 'docker'
        ? runDockerDemo(options, (tick) => console.log(options.json ? tickJson(tick) : tickLine(tick)))
        : runDemo(options);
    });
}
