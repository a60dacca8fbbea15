// The sla controller's reading of the traffic (controllers/sla.ts): smoothing, how much of a deviation
// persists over the reaction time, and how far the arrivals may run above the planned level.

/** Time constant of the arrivals' mean and of its noise (s). */
export const ARRIVALS_SMOOTHING_S = 5;
/** Time constant of the drift and of the persistence: properties of the traffic, so remembered longer (s). */
export const DRIFT_SMOOTHING_S = 30;
/** Noise deviations above the level that the arrivals are planned for. */
export const Z = 2;

/**
 * The fraction of the latest reading's deviation from the mean expected to last, averaged over the
 * horizon: ρ = of the deviations one horizon ago (reading − mean then), the part still there now,
 * as a regression smoothed over DRIFT_SMOOTHING_S; a deviation decaying as ρ^(s/horizon) averages
 * (ρ − 1) / ln ρ over it. `prior` (half a container's work, squared) keeps ρ near 1 until large
 * deviations have been seen to fade.
 */
export function persistence(
  state: { readonly lagProduct: number; readonly lagSquare: number },
  recent: readonly number[],
  recentMeans: readonly number[],
  window: number,
  instant: number,
  rate: number,
  tickS: number,
  first: boolean,
): { fraction: number; lagProduct: number; lagSquare: number } {
  let { lagProduct, lagSquare } = state;
  const thenReading = recent[0];
  const thenMean = recentMeans[0];
  if (!first && recent.length >= window && recentMeans.length >= window && thenReading !== undefined && thenMean !== undefined) {
    const thenDeviation = thenReading - thenMean;
    lagProduct = ewma(lagProduct, (instant - thenMean) * thenDeviation, tickS, DRIFT_SMOOTHING_S);
    lagSquare = ewma(lagSquare, thenDeviation ** 2, tickS, DRIFT_SMOOTHING_S);
  }
  const prior = (rate / 2) ** 2;
  const rho = Math.min(1, Math.max(1e-3, (lagProduct + prior) / (lagSquare + prior)));
  const fraction = rho >= 0.999 ? 1 : (rho - 1) / Math.log(rho);
  return { fraction, lagProduct, lagSquare };
}

/** How far the arrivals over T seconds may run above the level: Z deviations of their sum, plus a drift held over T. */
export function surge(periodS: number, noise: number, drift: number, tickS: number): number {
  return Z * (noise * Math.sqrt(tickS * periodS) + (drift * periodS) / 2);
}

/** The last `window` values with `value` appended, in one allocation. */
export function pushWindow(list: readonly number[], value: number, window: number): number[] {
  const keep = Math.min(list.length, window - 1);
  const out = new Array<number>(keep + 1);
  for (let i = 0; i < keep; i++) out[i] = list[list.length - keep + i] as number;
  out[keep] = value;
  return out;
}

export function ewma(previous: number, sample: number, dtS: number, timeConstantS: number): number {
  return previous + (1 - Math.exp(-dtS / timeConstantS)) * (sample - previous);
}
