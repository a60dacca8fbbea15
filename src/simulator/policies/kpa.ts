// `kpa`: the Knative Pod Autoscaler on concurrency, with the defaults of Knative's config-autoscaler
// (https://knative.dev/docs/serving/autoscaling/kpa-specific/ and the config-autoscaler ConfigMap)
// and the decision of knative/serving pkg/autoscaler/scaling/autoscaler.go (Scale, newAutoscaler):
// - tick-interval 2 s; stable-window 60 s; panic-window-percentage 10 → a 6 s panic window;
// - container-concurrency-target-percentage 70 %: the target value is 70 % of the per-pod target;
// - desired stable / panic pod counts = ceil(observed ÷ target), each clamped to
//   [floor(ready ÷ max-scale-down-rate 2), ceil(max-scale-up-rate 1000 × ready)] (ready ≥ 1);
// - panic-threshold-percentage 200: over the threshold when the *unclamped* panic count ÷ ready
//   ≥ 2; that starts or extends panic, which ends only when not over it and the stable window has
//   passed strictly since the last time it was (panicTime + 60 s before now);
// - in panic the count is max(desired stable, desired panic) and never goes down (maxPanicPods,
//   reset to 0 when panic ends);
// - a new autoscaler over more than 1 ready pod starts in panic at that count (so it keeps the scale
//   it finds until it has a window of data);
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

/** The DeciderSpec fields Scale reads (autoscaler.go); `targetValue` already includes the utilisation. */
export interface KpaSpec {
  readonly targetValue: number;
  readonly panicThreshold: number;
  readonly maxScaleUpRate: number;
  readonly maxScaleDownRate: number;
  readonly stableWindowS: number;
}

/** autoscaler.go's panic state. */
export interface KpaPanic {
  /** panicTime; null when not panicking. */
  panicSinceS: number | null;
  maxPanicPods: number;
}

/** newAutoscaler: over more than 1 ready pod, start in panic at that count. */
export function newKpaPanic(readyPods: number, nowS: number): KpaPanic {
  return { panicSinceS: readyPods > 1 ? nowS : null, maxPanicPods: readyPods };
}

/** autoscaler.go Scale: the desired pod count from the stable and panic window averages. */
export function kpaScale(
  panic: KpaPanic,
  spec: KpaSpec,
  observedStable: number,
  observedPanic: number,
  readyPods: number,
  nowS: number,
): number {
  const ready = Math.max(1, readyPods);
  const maxScaleUp = Math.ceil(spec.maxScaleUpRate * ready);
  const maxScaleDown = Math.floor(ready / spec.maxScaleDownRate);
  const dspc = Math.ceil(observedStable / spec.targetValue);
  const dppc = Math.ceil(observedPanic / spec.targetValue);
  const desiredStable = Math.min(Math.max(dspc, maxScaleDown), maxScaleUp);
  const desiredPanic = Math.min(Math.max(dppc, maxScaleDown), maxScaleUp);
  const overThreshold = dppc / ready >= spec.panicThreshold;
  if (overThreshold) {
    panic.panicSinceS = nowS; // begins, or extends, panic
  } else if (panic.panicSinceS !== null && panic.panicSinceS + spec.stableWindowS < nowS) {
    panic.panicSinceS = null;
    panic.maxPanicPods = 0;
  }
  if (panic.panicSinceS === null) return desiredStable;
  panic.maxPanicPods = Math.max(panic.maxPanicPods, desiredStable, desiredPanic);
  return panic.maxPanicPods;
}

interface KpaState {
  replicas: number;
  readonly samples: { tS: number; value: number }[];
  readonly panic: KpaPanic;
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

/** One KPA decision on the recorded concurrency (window averages, Scale, scale to zero), exported for its tests. */
export function kpaDecide(state: KpaState, tS: number, readyPods: number): number {
  const stable = average(state.samples, tS - KPA_DEFAULTS.stableWindowS);
  const panic = average(state.samples, tS - KPA_DEFAULTS.panicWindowS);
  const spec: KpaSpec = { ...KPA_DEFAULTS, targetValue: state.target * KPA_DEFAULTS.targetUtilization };
  const desired = kpaScale(state.panic, spec, stable, panic, readyPods, tS);
  if (desired > 0) {
    state.zeroSinceS = null;
    return desired;
  }
  // Zero only after a whole stable window without traffic, and then the grace period.
  const windowFull = (state.samples[0]?.tS ?? tS) <= tS - KPA_DEFAULTS.stableWindowS;
  if (!windowFull) return state.replicas;
  state.zeroSinceS ??= tS;
  return tS - state.zeroSinceS >= KPA_DEFAULTS.scaleToZeroGraceS ? 0 : Math.min(1, state.replicas);
}

/** An autoscaler created at `createdAtS` over `readyAtCreation` ready pods. */
export function newKpaState(replicas: number, target: number, readyAtCreation = 0, createdAtS = 0): KpaState {
  return { replicas, samples: [], panic: newKpaPanic(readyAtCreation, createdAtS), zeroSinceS: null, target };
}

export function recordConcurrency(state: KpaState, tS: number, value: number): void {
  state.samples.push({ tS, value });
  while ((state.samples[0]?.tS ?? tS) <= tS - KPA_DEFAULTS.stableWindowS - 1) state.samples.shift();
}

export function kpaPolicy(context: PolicyContext): Policy {
  const tick = periodic(KPA_DEFAULTS.tickS);
  return perServicePolicy<KpaState, boolean>('kpa', context, {
    clock: tick,
    // Created at t = 0 over the warm-started pods (and so in panic at that count if there are 2 or more).
    init: (view) =>
      newKpaState(view.actual.running + view.actual.starting, perReplicaTarget(view.service, context.trace), view.actual.running, 0),
    decide(state, view, ticked, tS) {
      const config = view.service.config;
      recordConcurrency(state, tS, view.queue + view.actual.running * view.busyFraction);
      if (ticked && tS > 0) state.replicas = Math.min(config.max, Math.max(config.min, kpaDecide(state, tS, view.actual.running)));
      return state.replicas;
    },
  });
}
