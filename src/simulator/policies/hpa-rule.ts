// The Kubernetes HPA's replica rule and the behaviour of an HPA created without `behavior:` (what
// `kubectl autoscale` creates, and what KEDA creates unless the ScaledObject sets
// advanced.horizontalPodAutoscalerConfig.behavior), shared by the `hpa` and `keda` baselines.
// Modelled on kubernetes/kubernetes pkg/controller/podautoscaler:
// - the controller syncs every 15 s (--horizontal-pod-autoscaler-sync-period);
// - replica_calculator.go GetResourceReplicas: desired = ceil(ratio × ready pods), skipped while the
//   ratio is within the 0.1 tolerance. Pending and unready pods are *ignored*: on a scale-down they
//   are simply dropped (the ratio is over the ready pods only), on a scale-up they count at 0 %
//   ("rebalanceIgnored"), and a move the rebalancing flips is dropped. Only pods that are ready but
//   have no metrics ("missingPods") count at 100 % on a scale-down; the simulator has none, since a
//   running container always has its busy fraction;
// - horizontal.go reconcileAutoscaler: the first sync records the current replica count as a
//   recommendation (recordInitialRecommendation), so nothing scales down during the first window;
// - horizontal.go normalizeDesiredReplicas (the path taken when the HPA has no `behavior`):
//   stabilizeRecommendation takes the highest recommendation not older than the 300 s
//   downscale stabilisation window, then convertDesiredReplicasWithRules clamps to
//   [minReplicas, min(maxReplicas, calculateScaleUpLimit(current))], with
//   calculateScaleUpLimit = max(2 × current, 4) (scaleUpLimitFactor 2, scaleUpLimitMinimum 4).
//   (With a `behavior`, the API defaults would give max(×2, +4) per 15 s instead; neither baseline
//   sets one.)

export const HPA_DEFAULTS = {
  syncS: 15,
  tolerance: 0.1,
  scaleDownStabilizationS: 300,
  /** horizontal.go: scaleUpLimitFactor and scaleUpLimitMinimum. */
  scaleUpLimitFactor: 2,
  scaleUpLimitMinimum: 4,
  /** `kubectl autoscale` without --cpu-percent uses the server default of 80 % CPU. */
  cpuTargetUtilization: 0.8,
} as const;

/**
 * CPU utilisation rule (replica_calculator.go GetResourceReplicas): `ready` pods averaged
 * `utilization` (0..1); the other `current − ready` pods exist but are pending or not ready yet.
 */
export function cpuProposal(
  current: number,
  ready: number,
  utilization: number,
  target: number = HPA_DEFAULTS.cpuTargetUtilization,
  tolerance: number = HPA_DEFAULTS.tolerance,
): number {
  if (ready === 0) return current; // "did not receive metrics for any ready pods": the HPA does not act
  const usageRatio = utilization / target;
  const ignored = Math.max(0, current - ready);
  const rebalanceIgnored = ignored > 0 && usageRatio > 1;
  if (!rebalanceIgnored) {
    // No scale-up with unready pods to rebalance: the ready pods alone decide (unready ones dropped).
    return Math.abs(1 - usageRatio) <= tolerance ? current : Math.ceil(usageRatio * ready);
  }
  // Scale-up: the unready pods count at 0 %, and the move is dropped if that flips its direction.
  const pods = ready + ignored;
  const newUsageRatio = (utilization * ready) / (target * pods);
  if (Math.abs(1 - newUsageRatio) <= tolerance || newUsageRatio < 1) return current;
  return Math.ceil(newUsageRatio * pods);
}

/** External metric with an AverageValue target (what KEDA serves): ceil(total / perReplica). */
export function averageValueProposal(
  current: number,
  total: number,
  perReplica: number,
  tolerance: number = HPA_DEFAULTS.tolerance,
): number {
  if (current > 0 && Math.abs(total / (perReplica * current) - 1) <= tolerance) return current;
  return Math.ceil(total / perReplica);
}

/** horizontal.go calculateScaleUpLimit: the most one sync may scale to without `behavior`. */
export function scaleUpLimit(current: number): number {
  return Math.floor(Math.max(HPA_DEFAULTS.scaleUpLimitFactor * current, HPA_DEFAULTS.scaleUpLimitMinimum));
}

/** horizontal.go convertDesiredReplicasWithRules: clamp to [min, min(max, scaleUpLimit(current))]. */
export function convertDesiredReplicasWithRules(current: number, desired: number, min: number, max: number): number {
  const maximum = Math.min(max, scaleUpLimit(current));
  if (desired < min) return min;
  if (desired > maximum) return maximum;
  return desired;
}

/** The stabilisation window and limits of one HPA without `behavior`, applied to each sync's proposal. */
export class HpaBehavior {
  private readonly recommendations: { tS: number; replicas: number }[] = [];

  constructor(
    private readonly min: number,
    private readonly max: number,
  ) {}

  /** recordInitialRecommendation: called on every sync, before the metrics are read; only the first records. */
  observe(tS: number, current: number): void {
    if (this.recommendations.length === 0) this.recommendations.push({ tS, replicas: current });
  }

  /** normalizeDesiredReplicas: the replica count this sync sets, given the metric's proposal. */
  next(tS: number, current: number, proposal: number): number {
    this.observe(tS, current);
    // reconcileAutoscaler: outside [min, max] the count is corrected without reading the metrics.
    if (current > this.max) return this.max;
    if (current < this.min) return this.min;
    // stabilizeRecommendation: the highest recommendation of the window, the new one included. Upstream
    // drops a sample only when it is strictly before the cutoff, but a real sync starts 15 s after the
    // previous one *finished* (the workqueue re-adds the key with the resync delay after processing),
    // so the sample from 20 syncs ago is always some milliseconds more than 300 s old and drops out.
    // On the simulator's exact 15 s grid it is exactly 300 s old: dropped here too.
    const cutoffS = tS - HPA_DEFAULTS.scaleDownStabilizationS;
    let stabilized = proposal;
    for (const r of this.recommendations) if (r.tS > cutoffS) stabilized = Math.max(stabilized, r.replicas);
    while ((this.recommendations[0]?.tS ?? tS) <= cutoffS) this.recommendations.shift();
    this.recommendations.push({ tS, replicas: proposal });
    return convertDesiredReplicasWithRules(current, stabilized, this.min, this.max);
  }
}
