// `bench arbiter`: time of one decision (controllers + arbiter) for many services, against a naive
// baseline that divides the pool one container at a time, measured in the same run.
import { step } from '../core/step.js';
import { decisionInputs, medianMs } from './scale.js';
import type { BenchResult, Benchmark } from './types.js';

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
      rows.push({ services: count, capacity, 'microscale ms (p50)': ours, 'naive ms (p50)': naive, 'naive / microscale': naive === null ? null : naive / ours });
    }
    return { name: 'arbiter', summary: 'median time of one full decision', rows, notes: ['naive baseline skipped above 1,000 services (quadratic)'] };
  },
};
