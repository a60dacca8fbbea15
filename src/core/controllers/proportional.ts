// `proportional`: the Kubernetes HPA rule. desired = ceil(value / per-container target), unchanged
// while the ratio to the current count is within the tolerance (HPA default 0.1).
// See https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#algorithm-details
import type { Controller } from './types.js';
import { clampCount } from './types.js';
import { formatNumber } from './direct.js';

export const proportionalController: Controller<null> = {
  kind: 'proportional',
  initialState: () => null,
  decide({ policy, observation, current }) {
    const { target } = policy;
    if (target.kind !== 'perContainer') throw new Error(`proportional controller needs a perContainer target, got ${target.kind}`);
    if (!observation) return { desired: { kind: 'count', count: current }, state: null, reason: 'no metric yet' };
    const perContainer = target.perContainer;
    const needed = Math.ceil(observation.value / perContainer);
    if (current > 0) {
      const ratio = observation.value / (current * perContainer);
      if (Math.abs(ratio - 1) <= policy.tolerance) {
        return {
          desired: { kind: 'count', count: clampCount(current, policy.min, policy.max) },
          state: null,
          reason: `${formatNumber(observation.value)} is within ${policy.tolerance * 100}% of ${current} × ${perContainer}`,
        };
      }
    }
    const count = clampCount(needed, policy.min, policy.max);
    return {
      desired: { kind: 'count', count },
      state: null,
      reason: `${formatNumber(observation.value)} ÷ ${perContainer} per container = ${needed}`,
    };
  },
};
