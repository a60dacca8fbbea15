// `bench arbiter`: time of one decision (controllers + arbiter) for many services, against a naive
// baseline that divides the pool one container at a time, measured in the same run.
import { step, type StepInput } from '../core/step.js';
import type { BenchResult, Benchmark } from './types.js';

function inputs(count: number): StepInput[] {
  return Array.from({ length: count }, (_, i) => ({
    policy: {
      name: `svc-${i}`,
      priority: 1 + (i % 5),
      min: 0,
      max: 50,
      target: i % 7 === 0 ? { kind: 'remainder' } : { kind: 'queueLength', queueLength: 50 },
      tolerance: 0.1,
      pid: {},
    },
    onMetricError: { kind: 'hold' },
    observation: i % 7 === 0 ? undefined : { value: (i * 37) % 400, atMs: 0 },
    stale: false,
    actual: { running: i % 4, starting: 0, stopping: 0 },
    controllerState: undefined,
    lastDesired: undefined,
    dtS: 0.5,
  }));
}

/** The obvious way to divide a pool: one container at a time to the most urgent service still short. */
function naiveDivide(wants: { priority: number; want: number }[], capacity: number): number[] {
  const got = wants.map(() => 0);
  for (let unit = 0; unit < capacity; unit++) {
    let best = -1;
    wants.forEach((w, i) => {
      if ((got[i] ?? 0) < w.want && (best < 0 || w.priority < (wants[best]?.priority ?? Infinity))) best = i;
    });
    if (best < 0) break;
    got[best] = (got[best] ?? 0) + 1;
  }
  return got;
}

function timeMs(run: () => void, repeat: number): number {
  const samples: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const start = process.hrtime.bigint();
    run();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)] ?? 0;
}

export const arbiterBenchmark: Benchmark = {
  name: 'arbiter',
  description: 'one decision (controllers + arbiter) for 100 to 10,000 services, vs a naive unit-by-unit division',
  async run({ quick }): Promise<BenchResult> {
    const rows = [];
    for (const count of quick ? [100, 1000] : [100, 1000, 10_000]) {
      const batch = inputs(count);
      const capacity = count * 2;
      const ours = timeMs(() => step(batch, capacity), quick ? 3 : 7);
      const wants = batch.map((b) => ({ priority: b.policy.priority, want: 3 }));
      const naive = count > 1000 ? null : timeMs(() => naiveDivide(wants, capacity), 3);
      rows.push({ services: count, capacity, 'microscale ms (p50)': ours, 'naive ms (p50)': naive, 'naive / microscale': naive === null ? null : naive / ours });
    }
    return { name: 'arbiter', summary: 'median time of one full decision', rows, notes: ['naive baseline skipped above 1,000 services (quadratic)'] };
  },
};
