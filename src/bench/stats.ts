// Small statistics for benchmarks that report a mean with its uncertainty (pure).

/** The two-sided 97.5 % quantile of Student's t with `df` degrees of freedom (a 95 % interval). */
export function tQuantile975(df: number): number {
  if (!Number.isFinite(df) || df < 1) return Number.NaN;
  // The table for the small df where the expansion below is poor, then the Cornish-Fisher expansion
  // around the normal quantile (Abramowitz & Stegun 26.7.5; within 0.002 of the table from df 5 on).
  const exact = [12.706, 4.303, 3.182, 2.776];
  if (df <= exact.length) return exact[Math.floor(df) - 1] ?? Number.NaN;
  const z = 1.959964;
  const g1 = (z ** 3 + z) / 4;
  const g2 = (5 * z ** 5 + 16 * z ** 3 + 3 * z) / 96;
  const g3 = (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / 384;
  const g4 = (79 * z ** 9 + 776 * z ** 7 + 1482 * z ** 5 - 1920 * z ** 3 - 945 * z) / 92160;
  return z + g1 / df + g2 / df ** 2 + g3 / df ** 3 + g4 / df ** 4;
}

export interface MeanInterval {
  readonly n: number;
  readonly mean: number;
  /** Sample standard deviation (n - 1). */
  readonly sd: number;
  /** The 95 % confidence interval of the mean (Student's t). */
  readonly low: number;
  readonly high: number;
}

/** Mean and its 95 % interval; null with fewer than 2 values (no spread to estimate). */
export function meanInterval(values: readonly number[]): MeanInterval | null {
  const n = values.length;
  if (n < 2) return null;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
  const half = (tQuantile975(n - 1) * sd) / Math.sqrt(n);
  return { n, mean, sd, low: mean - half, high: mean + half };
}
