// `bench scale`, the live agent's side: one agent tick (read every source, decide, describe the tick,
// log the decisions, apply) for 10,000 services on the sim engine, each service's metric and arrival
// rate pushed (the push source, the real one: a tick reads what was pushed last), on a clock the bench
// advances 500 ms a tick so that every run decides the same. Measured alternately with the bare
// decision (core/step.ts) on the queueLength pool of 10,000, so the ratio says what the agent adds.
import { createHash } from 'node:crypto';
import { Agent } from '../agent/agent.js';
import { parseConfig } from '../agent/config-loader.js';
import { SimEngine } from '../engines/sim/sim.js';
import { silentLogger } from '../log/logger.js';
import { step } from '../core/step.js';
import { decisionInputs, medianMs } from './scale-decisions.js';
import type { BenchRow } from './types.js';

const TICK_MS = 500;

/** Service i: 9 in 10 on an sla target with pushed arrivals, 1 in 10 a remainder service (as decisionInputs). */
export function agentConfig(count: number): ReturnType<typeof parseConfig> {
  return parseConfig({
    capacity: count,
    interval: '1h', // ticks are driven by the benchmark
    engine: { kind: 'sim', startLatency: '1s', stopLatency: '500ms' },
    services: Array.from({ length: count }, (_, i) =>
      i % 10 === 0
        ? { name: `svc-${i}`, priority: 1 + (i % 5), max: 2, target: 'remainder' }
        : {
            name: `svc-${i}`,
            priority: 1 + (i % 5),
            max: 50,
            metric: { source: 'push', maxAge: 'off' },
            arrivals: { source: 'push', maxAge: 'off' },
            target: { sla: { queueLength: 200 } },
            controller: { ratePerContainer: 10 },
          },
    ),
  });
}

/** This tick's pushes: one service in ten gets a new queue and arrival rate (the others keep theirs). */
function push(agent: Agent, count: number, tick: number): void {
  for (let i = 0; i < count; i++) {
    if (i % 10 === 0 || (tick > 0 && (i + tick) % 10 !== 1)) continue;
    agent.pushMetric(`svc-${i}`, (i * 37 + tick * 53) % 400);
    agent.pushArrivals(`svc-${i}`, 30 + ((i + tick) % 7) * 3);
  }
}

/** JSON with every object's keys in order: the same record hashes the same whatever order its fields were set in. */
function sortedKeys(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const record = value as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(record)
      .sort()
      .map((key) => [key, record[key]]),
  );
}

export interface AgentTickFigures {
  readonly row: BenchRow;
  /**
   * md5 of the measured ticks' records (decisions and every service line with its reason): the same before
   * and after a change that must not change what the agent decides or says.
   */
  readonly hash: string;
}

export async function agentTickRow(count = 10_000, warmTicks = 20, measured = 7): Promise<AgentTickFigures> {
  const config = agentConfig(count);
  let nowMs = 1_000_000;
  const clock = (): number => nowMs;
  const engine = new SimEngine(
    { kind: 'sim', startLatency: 1000, stopLatency: 500 },
    config.services.map((s) => ({ name: s.name, stopGracePeriodMs: 0, options: {} })),
    { nowMs: clock },
  );
  const agent = new Agent(config, { engine, log: silentLogger(), nowMs: clock, historySize: warmTicks + measured + 1 });
  const queueLength = decisionInputs(count);
  const tickRuns: { wallMs: number; cpuMs: number }[] = [];
  const stepRuns: number[] = [];
  const hash = createHash('md5');
  let decisions = 0;
  let heapKept: number;
  try {
    push(agent, count, 0);
    await agent.start(); // the first tick
    for (let tick = 1; tick <= warmTicks + measured; tick++) {
      nowMs += TICK_MS;
      push(agent, count, tick);
      if (tick <= warmTicks) {
        await agent.tickNow();
        continue;
      }
      stepRuns.push(medianMs(() => step(queueLength, count * 2), 1).cpuMs);
      const start = process.hrtime.bigint();
      const cpuStart = process.cpuUsage();
      await agent.tickNow();
      const used = process.cpuUsage(cpuStart);
      tickRuns.push({ wallMs: Number(process.hrtime.bigint() - start) / 1e6, cpuMs: (used.user + used.system) / 1000 });
      decisions += agent.ticks.toArray().at(-1)?.decisions.length ?? 0;
    }
    globalThis.gc?.();
    heapKept = process.memoryUsage().heapUsed;
    // Hashed after the heap is measured: reading every line's reason formats it (an agent formats only
    // those it serves), and the heap kept is the agent's as it runs.
    for (const record of agent.ticks.toArray().slice(-measured)) hash.update(JSON.stringify({ ...record, durationMs: 0 }, sortedKeys));
  } finally {
    await agent.stop();
  }
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  const cpuMs = median(tickRuns.map((r) => r.cpuMs));
  return {
    row: {
      measure: `one agent tick, ${count.toLocaleString('en')} services (sim engine, pushed metrics)`,
      wall: median(tickRuns.map((r) => r.wallMs)),
      cpu: cpuMs,
      unit: `ms (median of ${measured})`,
      goal: '-',
      'cpu vs 1,000 services': '-',
      'cpu vs queueLength targets': (cpuMs / median(stepRuns)).toFixed(2),
      'decisions per tick': Math.round(decisions / measured),
      'heap kept MB': heapKept / 1024 / 1024,
      'rss MB': process.memoryUsage().rss / 1024 / 1024,
    },
    hash: hash.digest('hex'),
  };
}
