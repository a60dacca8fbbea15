// The sla controller's reading of the traffic (controllers/sla.ts): smoothing, noise and drift, how much
// of a deviation persists over the reaction time, and how far the arrivals may run above the planned level.

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

/** What the traffic reading carries from tick to tick (part of SlaState). */
export interface TrafficState {
  /** Smoothed arrival rate (messages/s), over ARRIVALS_SMOOTHING_S, its noise, and the last reading. */
  readonly arrivals: number | null;
  readonly noise: number;
  readonly lastInstant: number | null;
  /** The readings of the last horizon, and the smoothed size of the change across it. */
  readonly recent: readonly number[];
  readonly spread: number;
  /** The 5 s means of the last horizon, and the smoothed products of a deviation from the mean then with what remained of it one horizon later, and its square. */
  readonly recentMeans: readonly number[];
  readonly lagProduct: number;
  readonly lagSquare: number;
}

/** One tick's reading of the traffic: its state to keep, the level to plan with, and its noise and drift. */
export interface TrafficReading {
  readonly mean: number;
  readonly noise: number;
  readonly recent: number[];
  readonly recentMeans: number[];
  readonly spread: number;
  readonly lagProduct: number;
  readonly lagSquare: number;
  readonly level: number;
  readonly drift: number;
  /** The fraction of a deviation from the mean expected to last over the horizon (persistence). */
  readonly persisting: number;
}

/** Reads this tick's arrivals (`instant`, messages/s) against what the previous ticks kept. */
export function readTraffic(state: TrafficState, instant: number, rate: number, tickS: number, horizonS: number): TrafficReading {
  const first = state.arrivals === null;
  const mean = first ? instant : ewma(state.arrivals ?? instant, instant, tickS, ARRIVALS_SMOOTHING_S);
  // Noise from successive differences, not from the spread around the mean: a step is one large
  // difference, not a long run of large deviations, so it does not hold containers for long after.
  const noise = first ? 0 : ewma(state.noise, Math.abs(instant - (state.lastInstant ?? instant)), tickS, ARRIVALS_SMOOTHING_S);
  const window = Math.max(2, Math.round(horizonS / tickS) + 1);
  const recent = pushWindow(state.recent, instant, window);
  const recentMeans = pushWindow(state.recentMeans, mean, window);
  // The level to plan with: the mean, plus the part of the latest deviation from it expected to last.
  const persisting = persistence(state, recent, recentMeans, window, instant, rate, tickS, first);
  const level = mean + persisting.fraction * (instant - mean);
  // Drift: how far the rate moves over a horizon beyond what tick-to-tick noise explains (a random
  // walk, per-minute jumps): the arrivals then stay up, and the queue takes it in for the whole period.
  const span = first || recent.length < 2 ? 0 : Math.abs(instant - (recent[0] ?? instant));
  const spread = first ? 0 : ewma(state.spread, span, tickS, DRIFT_SMOOTHING_S);
  const drift = Math.sqrt(Math.max(0, spread ** 2 - (noise * Math.sqrt(2)) ** 2));
  const { lagProduct, lagSquare } = persisting;
  return { mean, noise, recent, recentMeans, spread, lagProduct, lagSquare, level, drift, persisting: persisting.fraction };
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
