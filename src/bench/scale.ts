// `bench scale`: (1) one decision (controllers + arbiter, core/step.ts) for 10,000 services, time and
// memory, against 1,000 services in the same run (does it grow linearly?), and the same 10,000 with sla
// targets (issue 16) against the queueLength ones of the same run; (2) a 24 h trace at 500 ms
// ticks for 100 services simulated with the microscale policy, against the hpa baseline on the same
// scenario in the same run. Goals: < 50 ms and < 200 MB; < 60 s.
import { step, type StepInput } from '../core/step.js';
import { createPolicy } from '../simulator/policies/index.js';
import { simulate } from '../simulator/run.js';
import { parseScenario } from '../simulator/scenario.js';
import type { Trace } from '../simulator/trace.js';
import { agentTickRow } from './scale-agent.js';
import type { BenchResult, BenchRow, Benchmark } from './types.js';

/** A synthetic pool of `count` services: mixed priorities, queue targets, a remainder service in ten. */
export function decisionInputs(count: number): StepInput[] {
  return Array.from({ length: count }, (_, i) => ({
    policy: {
      name: `svc-${i}`,
      priority: 1 + (i % 5),
      min: 0,
      max: 50,
      target: i % 10 === 0 ? { kind: 'remainder' } : { kind: 'queueLength', queueLength: 50 },
      tolerance: 0.1,
      pid: { ratePerContainer: 10 },
    },
    onMetricError: { kind: 'hold' },
    observation: i % 10 === 0 ? undefined : { value: (i * 37) % 400, atMs: 0 },
    stale: false,
    actual: { running: i % 4, starting: i % 3 === 0 ? 1 : 0, stopping: 0 },
    controllerState: undefined,
    lastDesired: undefined,
    dtS: 0.5,
  }));
}

/** Median wall and CPU milliseconds. CPU time is reported too because on a shared machine the wall
 * clock counts the time other processes had the core. */
export function medianMs(run: () => void, repeat: number): { wallMs: number; cpuMs: number } {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const start = process.hrtime.bigint();
    const cpuStart = process.cpuUsage();
    run();
    const used = process.cpuUsage(cpuStart);
    wall.push(Number(process.hrtime.bigint() - start) / 1e6);
    cpu.push((used.user + used.system) / 1000);
  }
  const median = (values: number[]): number => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  return { wallMs: median(wall), cpuMs: median(cpu) };
}

/**
 * The same pool with every queue service on an sla target (issue 16) and a measured arrival rate, its
 * controller state warmed by `warmTicks` decisions (an agent that has been running: full windows, a
 * learnt persistence), as the agent hands it over each tick.
 */
export function slaDecisionInputs(count: number, warmTicks = 20): StepInput[] {
  let inputs: StepInput[] = decisionInputs(count).map((input, i) =>
    input.observation === undefined
      ? input
      : {
          ...input,
          policy: { ...input.policy, target: { kind: 'sla', sla: { queueLength: 200 } } },
          observation: { ...input.observation, arrivalRate: 30 + (i % 7) },
        },
  );
  for (let tick = 1; tick <= warmTicks; tick++) {
    const { outcomes } = step(inputs, count * 2);
    inputs = inputs.map((input) => {
      const outcome = outcomes.get(input.policy.name);
      const observation = input.observation && {
        ...input.observation,
        atMs: tick * 500,
        arrivalRate: (input.observation.arrivalRate ?? 0) + (tick % 3),
      };
      return { ...input, controllerState: outcome?.controllerState, latency: outcome?.latency, observation };
    });
  }
  return inputs;
}

const mb = (bytes: number): number => bytes / 1024 / 1024;

function decisionRows(): BenchRow[] {
  const rows: BenchRow[] = [];
  let smallMs = 0;
  for (const count of [1000, 10_000]) {
    const inputs = decisionInputs(count);
    globalThis.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const { wallMs, cpuMs } = medianMs(() => step(inputs, count * 2), 7);
    const rss = process.memoryUsage().rss;
    if (count === 1000) smallMs = cpuMs;
    rows.push({
      measure: `one decision, ${count.toLocaleString('en')} services`,
      wall: wallMs,
      cpu: cpuMs,
      unit: 'ms (median of 7)',
      goal: count === 10_000 ? '< 50 ms' : '-',
      'cpu vs 1,000 services': count === 1000 ? '1.00' : (cpuMs / smallMs).toFixed(2),
      'heap +MB': mb(process.memoryUsage().heapUsed - heapBefore),
      'rss MB': mb(rss),
    });
  }
  // sla targets against the queueLength ones, measured alternately (a pair per round) so that the
  // machine's load and the JIT's state weigh on both alike.
  const queueLength = decisionInputs(10_000);
  const sla = slaDecisionInputs(10_000);
  globalThis.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const slaRuns: { wallMs: number; cpuMs: number }[] = [];
  const queueLengthRuns: number[] = [];
  for (let round = 0; round < 7; round++) {
    queueLengthRuns.push(medianMs(() => step(queueLength, 20_000), 1).cpuMs);
    slaRuns.push(medianMs(() => step(sla, 20_000), 1));
  }
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  const slaCpuMs = median(slaRuns.map((r) => r.cpuMs));
  rows.push({
    measure: 'one decision, 10,000 services, sla targets',
    wall: median(slaRuns.map((r) => r.wallMs)),
    cpu: slaCpuMs,
    unit: 'ms (median of 7)',
    goal: '< 50 ms',
    'cpu vs 1,000 services': '-',
    'cpu vs queueLength targets': (slaCpuMs / median(queueLengthRuns)).toFixed(2),
    'heap +MB': mb(process.memoryUsage().heapUsed - heapBefore),
    'rss MB': mb(process.memoryUsage().rss),
  });
  return rows;
}

/** 100 services on a pool of 1,000: 80 queue consumers (priorities 1-3) on phase-shifted daily sines, 20 background. */
export function scaleScenario(services: number, hours: number): { scenario: ReturnType<typeof parseScenario>; trace: Trace } {
  const queued = Math.round(services * 0.8);
  const document = {
    engine: { kind: 'sim', startLatency: '2s', stopLatency: '1s' },
    capacity: services * 10,
    interval: '500ms',
    services: Array.from({ length: services }, (_, i) =>
      i < queued
        ? {
            name: `q${i}`,
            priority: 1 + (i % 3),
            max: 40,
            target: { queueLength: 50 },
            simulation: { ratePerContainer: 10, sla: { queueLength: 200 } },
          }
        : { name: `bg${i}`, priority: 4, target: 'remainder' },
    ),
  };
  const scenario = parseScenario(document);
  const rowS = 60;
  const rows = Math.ceil((hours * 3600) / rowS);
  const timesS = Float64Array.from({ length: rows }, (_, r) => r * rowS);
  const columns = new Map<string, Float64Array>();
  for (let i = 0; i < queued; i++) {
    const phase = (i / queued) * 2 * Math.PI;
    columns.set(
      `q${i}`,
      timesS.map((t) => 20 + 50 * (1 - Math.cos((2 * Math.PI * t) / 86_400 + phase))),
    );
  }
  return { scenario, trace: { timesS, columns, durationS: rows * rowS } };
}

function simulationRows(hours: number): BenchRow[] {
  const { scenario, trace } = scaleScenario(100, hours);
  const rows: BenchRow[] = [];
  let oursS = 0;
  for (const policy of ['microscale', 'hpa'] as const) {
    const start = process.hrtime.bigint();
    const cpuStart = process.cpuUsage();
    const result = simulate(scenario, trace, createPolicy(policy, { scenario, trace }));
    const used = process.cpuUsage(cpuStart);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const cpuS = (used.user + used.system) / 1e6;
    if (policy === 'microscale') oursS = cpuS;
    rows.push({
      measure: `${hours} h at 500 ms ticks, 100 services: ${policy}`,
      wall: seconds,
      cpu: cpuS,
      unit: 's',
      goal: policy === 'microscale' && hours === 24 ? '< 60 s' : '-',
      'microscale cpu / this': policy === 'microscale' ? '-' : (oursS / cpuS).toFixed(2),
      'speed-up vs real time (wall)': result.score.durationS / seconds,
    });
  }
  return rows;
}

export const scaleBenchmark: Benchmark = {
  name: 'scale',
  description: 'one decision for 10,000 services; a 24 h trace for 100 services simulated (--quick: 1 h)',
  async run({ quick }): Promise<BenchResult> {
    const hours = quick ? 1 : 24;
    const decisions = decisionRows();
    const agentTick = await agentTickRow();
    return {
      name: 'scale',
      summary:
        'decision time and memory for 10,000 services (vs 1,000), and simulation speed for 100 services (microscale vs the hpa baseline)',
      rows: [...decisions, agentTick.row, ...simulationRows(hours)],
      notes: [
        'rss is the whole process (node itself is ~50 MB); heap +MB is what the decision allocated and kept',
        'sla targets: 9 in 10 services on {sla: {queueLength: 200}} with a measured arrival rate, state warmed by 20 decisions; ' +
          'cpu vs queueLength targets = its median ÷ that of the queueLength pool of 10,000, ' +
          'the two run alternately 7 times in this run; its rss holds both pools',
        'agent tick: 9 in 10 services on {sla: {queueLength: 200}} with metric and arrivals pushed (one in ten pushed anew each tick), ' +
          '1 in 10 remainder; the sim engine on a clock advanced 500 ms a tick; after 20 warm ticks, 7 ticks alternated with the bare ' +
          'decision of the queueLength pool (cpu vs queueLength targets = tick ÷ decision); ' +
          'heap kept: after gc, the agent with its 28 ticks; ' +
          `md5 of the 7 tick records (decisions, service lines with reasons): ${agentTick.hash}`,
        "cpu is this process's CPU time; on a shared machine wall > cpu by the time other processes had the core",
        ...(quick ? ['--quick: 1 h of trace instead of 24 h'] : []),
      ],
    };
  },
};
