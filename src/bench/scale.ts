// `bench scale`: (1) one decision (controllers + arbiter, core/step.ts) for 10,000 services, time and
// memory, against 1,000 services in the same run (does it grow linearly?); (2) a 24 h trace at 500 ms
// ticks for 100 services simulated with the microscale policy, against the hpa baseline on the same
// scenario in the same run. Goals: < 50 ms and < 200 MB; < 60 s.
import { step, type StepInput } from '../core/step.js';
import { createPolicy } from '../simulator/policies/index.js';
import { simulate } from '../simulator/run.js';
import { parseScenario } from '../simulator/scenario.js';
import type { Trace } from '../simulator/trace.js';
import type { BenchResult, BenchRow, Benchmark } from './types.js';

function decisionInputs(count: number): StepInput[] {
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

function medianMs(run: () => void, repeat: number): number {
  const samples: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const start = process.hrtime.bigint();
    run();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)] ?? 0;
}

const mb = (bytes: number): number => bytes / 1024 / 1024;

function decisionRows(): BenchRow[] {
  const rows: BenchRow[] = [];
  let smallMs = 0;
  for (const count of [1000, 10_000]) {
    const inputs = decisionInputs(count);
    globalThis.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const ms = medianMs(() => step(inputs, count * 2), 7);
    const rss = process.memoryUsage().rss;
    if (count === 1000) smallMs = ms;
    rows.push({
      measure: `one decision, ${count.toLocaleString('en')} services`,
      value: ms,
      unit: 'ms (median of 7)',
      goal: count === 10_000 ? '< 50 ms' : '-',
      'vs 1,000 services': count === 1000 ? '1.00' : (ms / smallMs).toFixed(2),
      'heap +MB': mb(process.memoryUsage().heapUsed - heapBefore),
      'rss MB': mb(rss),
    });
  }
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
        ? { name: `q${i}`, priority: 1 + (i % 3), max: 40, target: { queueLength: 50 }, simulation: { ratePerContainer: 10, sla: { queueLength: 200 } } }
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
    columns.set(`q${i}`, timesS.map((t) => 20 + 50 * (1 - Math.cos((2 * Math.PI * t) / 86_400 + phase))));
  }
  return { scenario, trace: { timesS, columns, durationS: rows * rowS } };
}

function simulationRows(hours: number): BenchRow[] {
  const { scenario, trace } = scaleScenario(100, hours);
  const rows: BenchRow[] = [];
  let oursS = 0;
  for (const policy of ['microscale', 'hpa'] as const) {
    const start = process.hrtime.bigint();
    const result = simulate(scenario, trace, createPolicy(policy, { scenario, trace }));
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (policy === 'microscale') oursS = seconds;
    rows.push({
      measure: `${hours} h at 500 ms ticks, 100 services: ${policy}`,
      value: seconds,
      unit: 's wall',
      goal: policy === 'microscale' && hours === 24 ? '< 60 s' : '-',
      'vs hpa sim': policy === 'microscale' ? '-' : (oursS / seconds).toFixed(2),
      'speed-up vs real time': result.score.durationS / seconds,
    });
  }
  return rows;
}

export const scaleBenchmark: Benchmark = {
  name: 'scale',
  description: 'one decision for 10,000 services; a 24 h trace for 100 services simulated (--quick: 1 h)',
  async run({ quick }): Promise<BenchResult> {
    const hours = quick ? 1 : 24;
    return {
      name: 'scale',
      summary: 'decision time and memory for 10,000 services (vs 1,000), and simulation speed for 100 services (microscale vs the hpa baseline)',
      rows: [...decisionRows(), ...simulationRows(hours)],
      notes: [
        'rss is the whole process (node itself is ~50 MB); heap +MB is what the decision allocated and kept',
        ...(quick ? ['--quick: 1 h of trace instead of 24 h'] : []),
      ],
    };
  },
};
