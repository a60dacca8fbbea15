// `kpa`: the Knative Pod Autoscaler on concurrency, with the defaults of Knative's config-autoscaler
// (https://knative.dev/docs/serving/autoscaling/kpa-specific/ and the config-autoscaler ConfigMap):
// - tick-interval 2 s; stable-window 60 s; panic-window-percentage 10 → a 6 s panic window;
// - panic-threshold-percentage 200: panic when the panic-window pod count is ≥ 2 × the ready pods;
//   in panic it never scales down, and it leaves panic after a stable window without that condition;
// - container-concurrency-target-percentage 70 %: it aims each pod at 70 % of its target;
// - max-scale-up-rate 1000, max-scale-down-rate 2 (per tick, relative to the ready pods);
// - scale to zero when the stable window saw no traffic, after scale-to-zero-grace-period 30 s.
// Concurrency of a queue consumer = messages in the system (waiting plus being worked on), sampled
// every simulator tick. The per-pod target is chosen in its favour (targets.ts).
import { periodic, perServicePolicy, type Policy, type PolicyContext } from '../policy.js';
import { perReplicaTarget } from './targets.js';

export const KPA_DEFAULTS = {
  tickS: 2,
  stableWindowS: 60,
  panicWindowS: 6,
  panicThreshold: 2,
  targetUtilization: 0.7,
  maxScaleUpRate: 1000,
  maxScaleDownRate: 2,
  scaleToZeroGraceS: 30,
} as const;

interface KpaState {
  replicas: number;
  readonly samples: { tS: number; value: number }[];
  panicSinceS: number | null;
  maxPanicPods: number;
  zeroSinceS: number | null;
  readonly target: number;
}

function average(samples: readonly { tS: number; value: number }[], fromS: number): number {
  let sum = 0;
  let count = 0;
  for (let i = samples.length - 1; i >= 0; i--) {
    const sample = samples[i];
    if (!sample || sample.tS <= fromS) break;
    sum += sample.value;
    count++;
  }
  return count ? sum / count : 0;
}

/** One KPA decision (autoscaler.go's Scale), exported for its tests. */
export function kpaDecide(state: KpaState, tS: number, readyPods: number): number {
  const stable = average(state.samples, tS - KPA_DEFAULTS.stableWindowS);
  const panic = average(state.samples, tS - KPA_DEFAULTS.panicWindowS);
  const ready = Math.max(1, readyPods);
  const target = state.target * KPA_DEFAULTS.targetUtilization;
  const maxUp = Math.ceil(KPA_DEFAULTS.maxScaleUpRate * ready);
  const maxDown = Math.floor(ready / KPA_DEFAULTS.maxScaleDownRate);
  const clamp = (n: number): number => Math.min(maxUp, Math.max(maxDown, n));
  const desiredStable = clamp(Math.ceil(stable / target));
  const desiredPanic = clamp(Math.ceil(panic / target));
  const overThreshold = desiredPanic / ready >= KPA_DEFAULTS.panicThreshold;
  if (overThreshold) {
    if (state.panicSinceS === null) state.maxPanicPods = readyPods;
    state.panicSinceS = tS; // (re)arms the stable window that must pass before leaving panic
  } else if (state.panicSinceS !== null && tS - state.panicSinceS >= KPA_DEFAULTS.stableWindowS) {
    state.panicSinceS = null;
    state.maxPanicPods = 0;
  }
  if (state.panicSinceS !== null) {
    state.maxPanicPods = Math.max(state.maxPanicPods, desiredPanic); // never down while panicking
    return state.maxPanicPods;
  }
  if (stable === 0) {
    // Only after a whole stable window without traffic, and then the grace period.
    const windowFull = (state.samples[0]?.tS ?? tS) <= tS - KPA_DEFAULTS.stableWindowS;
    if (!windowFull) return state.replicas;
    state.zeroSinceS ??= tS;
    return tS - state.zeroSinceS >= KPA_DEFAULTS.scaleToZeroGraceS ? 0 : Math.max(1, desiredStable);
  }
  state.zeroSinceS = null;
  return desiredStable;
}

export function newKpaState(replicas: number, target: number): KpaState {
  return { replicas, samples: [], panicSinceS: null, maxPanicPods: 0, zeroSinceS: null, target };
}

export function recordConcurrency(state: KpaState, tS: number, value: number): void {
  state.samples.push({ tS, value });
  while ((state.samples[0]?.tS ?? tS) <= tS - KPA_DEFAULTS.stableWindowS - 1) state.samples.shift();
}

export function kpaPolicy(context: PolicyContext): Policy {
  const tick = periodic(KPA_DEFAULTS.tickS);
  return perServicePolicy<KpaState, boolean>('kpa', context, {
    clock: tick,
    init: (view) => newKpaState(view.actual.running + view.actual.starting, perReplicaTarget(view.service, context.trace)),
    decide(state, view, ticked, tS) {
      const config = view.service.config;
      recordConcurrency(state, tS, view.queue + view.actual.running * view.busyFraction);
      if (ticked && tS > 0) state.replicas = Math.min(config.max, Math.max(config.min, kpaDecide(state, tS, view.actual.running)));
      return state.replicas;
    },
  });
}
