// The Kubernetes HPA's replica rule and default behaviour, shared by the `hpa` and `keda` baselines
// (KEDA feeds its metric into an HPA). From the HPA documentation
// (https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/):
// - the controller syncs every 15 s (--horizontal-pod-autoscaler-sync-period);
// - desired = ceil(current × metric / target), skipped while the ratio is within the 0.1 tolerance;
// - CPU: pods not ready yet or without metrics count as 0 % when scaling up and 100 % when scaling
//   down, and the move is dropped if that flips its direction (replica_calculator.go);
// - default behavior: scaleUp has no stabilization and policies {Percent 100, Pods 4} per 15 s with
//   selectPolicy Max (at most ×2 or +4 per period); scaleDown stabilizes over 300 s (the highest
//   recommendation of the last 5 minutes is used) and may then drop 100 % per 15 s.

export const HPA_DEFAULTS = {
  syncS: 15,
  tolerance: 0.1,
  scaleDownStabilizationS: 300,
  scaleUpPods: 4,
  scaleUpPercent: 100,
  /** `kubectl autoscale` without --cpu-percent uses the server default of 80 % CPU. */
  cpuTargetUtilization: 0.8,
} as const;

/** CPU utilisation rule: `ready` pods averaged `utilization` (0..1); the rest of `current` have no metrics yet. */
export function cpuProposal(current: number, ready: number, utilization: number, target: number = HPA_DEFAULTS.cpuTargetUtilization, tolerance: number = HPA_DEFAULTS.tolerance): number {
  if (ready === 0) return current; // no metrics at all: the HPA does not act
  const readyRatio = utilization / target;
  const missing = Math.max(0, current - ready);
  if (missing === 0) return Math.abs(readyRatio - 1) <= tolerance ? current : Math.ceil(readyRatio * ready);
  const scalingUp = readyRatio > 1;
  const assumed = scalingUp ? 0 : missing; // 0 % when going up, 100 % when going down
  const ratio = (utilization * ready + assumed) / (target * (ready + missing));
  if (Math.abs(ratio - 1) <= tolerance || (scalingUp && ratio < 1) || (!scalingUp && ratio > 1)) return current;
  return Math.ceil(ratio * (ready + missing));
}

/** External metric with an AverageValue target (what KEDA serves): ceil(total / perReplica). */
export function averageValueProposal(current: number, total: number, perReplica: number, tolerance: number = HPA_DEFAULTS.tolerance): number {
  if (current > 0 && Math.abs(total / (perReplica * current) - 1) <= tolerance) return current;
  return Math.ceil(total / perReplica);
}

/** The stabilization window and rate limits of one HPA, applied to each sync's proposal. */
export class HpaBehavior {
  private readonly recommendations: { tS: number; replicas: number }[] = [];

  constructor(
    private readonly min: number,
    private readonly max: number,
  ) {}

  next(tS: number, current: number, proposal: number): number {
    this.recommendations.push({ tS, replicas: proposal });
    while ((this.recommendations[0]?.tS ?? tS) <= tS - HPA_DEFAULTS.scaleDownStabilizationS) this.recommendations.shift();
    // Scale-up window 0: the latest proposal; scale-down: the highest of the window.
    const downRecommendation = Math.max(...this.recommendations.map((r) => r.replicas));
    let recommendation = current;
    if (recommendation < proposal) recommendation = proposal;
    if (recommendation > downRecommendation) recommendation = downRecommendation;
    const upLimit = Math.max(current * (1 + HPA_DEFAULTS.scaleUpPercent / 100), current + HPA_DEFAULTS.scaleUpPods);
    return Math.min(this.max, Math.max(this.min, Math.min(upLimit, recommendation)));
  }
}
