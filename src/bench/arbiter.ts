// `bench arbiter`: time of one decision (controllers + arbiter) for many services, against a naive
// baseline that divides the pool one container at a time, measured in the same run; and the same
// decision on a pool in resources (cpu and memory, containers of mixed sizes) beside it.
import { step } from '../core/step.js';
import { decisionInputs, medianMs } from './scale.js';
import type { BenchResult, Benchmark } from './types.js';

const MI = 2 ** 20;

/** The same services with containers of mixed sizes (0.25-1 CPU, 256Mi-1Gi) and a pool of cpu and memory for about as many containers. */
function inResources(count: number): { batch: ReturnType<typeof decisionInputs>; pool: { cpu: number; memory: number } } {
  const batch = decisionInputs(count).map((input, i) => ({
    ...input,
    size: { cpu: 250 * (1 + (i % 4)), memory: 256 * MI * (1 + (i % 3)) },
  }));
  return { batch, pool: { cpu: count * 2 * 500, memory: count * 2 * 512 * MI } };
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

export const arbiterBenchmark: Benchmark = {
  name: 'arbiter',
  description: 'one decision (controllers + arbiter) for 100 to 10,000 services, vs a naive unit-by-unit division',
  async run({ quick }): Promise<BenchResult> {
    const rows = [];
    for (const count of quick ? [100, 1000] : [100, 1000, 10_000]) {
      const batch = decisionInputs(count);
      const capacity = count * 2;
      const ours = medianMs(() => step(batch, capacity), quick ? 3 : 7).wallMs;
      const wants = batch.map((b) => ({ priority: b.policy.priority, want: 3 }));
      const naive = count > 1000 ? null : medianMs(() => naiveDivide(wants, capacity), 3).wallMs;
      const resources = inResources(count);
      const inPool = medianMs(() => step(resources.batch, resources.pool), quick ? 3 : 7).wallMs;
      rows.push({
        services: count,
        capacity,
        'microscale ms (p50)': ours,
        'naive ms (p50)': naive,
        'naive / microscale': naive === null ? null : naive / ours,
        'pool in cpu+memory ms (p50)': inPool,
        'cpu+memory / containers': inPool / ours,
      });
    }
    return {
      name: 'arbiter',
      summary: 'median time of one full decision',
      rows,
      notes: [
        'naive baseline skipped above 1,000 services (quadratic)',
        'pool in cpu+memory: the same services with containers of 0.25-1 CPU and 256Mi-1Gi, a pool of 1 CPU and 1Gi per service',
      ],
    };
  },
};
