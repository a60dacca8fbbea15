// Timing helpers for `bench sources`: percentiles of a sample and a timed loop.

/** The p-th percentile (0-100, nearest rank) of `samples`; NaN for none. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

/** Runs `work` `times` times one after another (after `warmup` untimed runs); returns each duration in ms. */
export async function timeEach(work: () => Promise<unknown>, times: number, warmup = 10): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await work();
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const started = performance.now();
    await work();
    samples.push(performance.now() - started);
  }
  return samples;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Times `ours` and `baseline` alternately, `times` each (after `warmup` untimed rounds), so both see the
 * same load on a shared machine; returns each one's durations in ms.
 */
export async function timeInterleaved(
  ours: () => Promise<unknown>,
  baseline: () => Promise<unknown>,
  times: number,
  warmup = 10,
): Promise<[number[], number[]]> {
  for (let i = 0; i < warmup; i++) await Promise.all([ours(), baseline()]);
  const oursMs: number[] = [];
  const baselineMs: number[] = [];
  for (let i = 0; i < times; i++) {
    for (const [work, samples] of i % 2 === 0
      ? ([
          [ours, oursMs],
          [baseline, baselineMs],
        ] as const)
      : ([
          [baseline, baselineMs],
          [ours, oursMs],
        ] as const)) {
      const started = performance.now();
      await work();
      samples.push(performance.now() - started);
    }
  }
  return [oursMs, baselineMs];
}
